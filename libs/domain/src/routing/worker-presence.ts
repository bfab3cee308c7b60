/**
 * When a worker of a task type and domain was last seen (heartbeat or poll).
 * The router's in-memory snapshot implements it; resolveDomain only reads it.
 */
/** A worker counts as active while it was last seen at most `activeWorkerTimeoutMs` ago (and has not said it is gone). */
export const isActiveSighting = (lastSeenAt: number | undefined, now: number, activeWorkerTimeoutMs: number): lastSeenAt is number =>
  lastSeenAt !== undefined && now - lastSeenAt <= activeWorkerTimeoutMs;

export interface WorkerPresence {
  /** Epoch ms of the freshest sighting of a live worker, or undefined when none. */
  lastSeenAt(taskType: string, domain: string | null): number | undefined;
}

/** A worker's heartbeat, poll or task result, or its last word when it stops cleanly. */
export interface WorkerSighting {
  taskType: string;
  domain: string | null;
  workerId: string;
  /**
   * Epoch ms when Turnout received it, by the receiving process's clock (never
   * the worker's): isActiveSighting compares it with a Turnout process's now.
   */
  seenAt: number;
  gone: boolean;
}

/**
 * Presence held in memory: O(1) lookups for routing however many workers and
 * domains there are. Applying the same sighting twice changes nothing.
 */
export class PresenceSnapshot implements WorkerPresence {
  // key `${taskType}\u0000${domain}` -> workerId -> its latest sighting. A worker that left
  // keeps its entry (marked gone), so an older heartbeat arriving late cannot bring it back.
  private readonly workers = new Map<string, Map<string, { seenAt: number; gone: boolean }>>();
  private readonly freshest = new Map<string, number>();

  lastSeenAt(taskType: string, domain: string | null): number | undefined {
    return this.freshest.get(PresenceSnapshot.key(taskType, domain));
  }

  apply(sighting: WorkerSighting): void {
    const key = PresenceSnapshot.key(sighting.taskType, sighting.domain);
    let workers = this.workers.get(key);
    if (workers === undefined) {
      workers = new Map();
      this.workers.set(key, workers);
    }
    const previous = workers.get(sighting.workerId);
    // Newer wins; at the same instant, gone wins (a worker's last word).
    if (previous !== undefined && (previous.seenAt > sighting.seenAt || (previous.seenAt === sighting.seenAt && (previous.gone || !sighting.gone)))) return;
    workers.set(sighting.workerId, { seenAt: sighting.seenAt, gone: sighting.gone });
    if (!sighting.gone) {
      const current = this.freshest.get(key);
      if (current === undefined || sighting.seenAt > current) this.freshest.set(key, sighting.seenAt);
      return;
    }
    this.freshest.delete(key);
    for (const worker of workers.values()) {
      if (worker.gone) continue;
      const current = this.freshest.get(key);
      if (current === undefined || worker.seenAt > current) this.freshest.set(key, worker.seenAt);
    }
  }

  /**
   * A sighting by a task result: refreshes a worker known and not gone, and
   * no other. A worker's last results can be read after its goodbye (another
   * queue, consumed concurrently, stamped on receipt): they must not bring it
   * back, nor tasks be routed to it.
   */
  applyByResult(sighting: WorkerSighting): void {
    const previous = this.workers.get(PresenceSnapshot.key(sighting.taskType, sighting.domain))?.get(sighting.workerId);
    if (previous === undefined || previous.gone) return;
    this.apply(sighting);
  }

  /** Workers whose last word was not goodbye. */
  get workerCount(): number {
    let count = 0;
    for (const workers of this.workers.values()) for (const worker of workers.values()) if (!worker.gone) count += 1;
    return count;
  }

  private static key(taskType: string, domain: string | null): string {
    return `${taskType}\u0000${domain ?? ''}`;
  }
}
