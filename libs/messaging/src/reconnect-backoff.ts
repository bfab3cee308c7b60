/** How a process (a worker, the router) retries a lost broker connection. */
export interface ReconnectPolicy {
  /** The wait before the first attempt, about. */
  initialDelayMs: number;
  /** No wait grows beyond this. */
  maxDelayMs: number;
}

export const DEFAULT_RECONNECT_POLICY: ReconnectPolicy = { initialDelayMs: 250, maxDelayMs: 15_000 };

/**
 * The wait before reconnect attempt `attempt` (1, 2, …): doubling from the
 * initial delay up to the maximum, then drawn from its upper half. The jitter
 * keeps a pool of workers (or routers) from meeting a restarted broker all at the same moment.
 */
export function reconnectDelayMs(attempt: number, policy: ReconnectPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
