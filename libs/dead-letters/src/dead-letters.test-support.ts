import type { DeadLetter } from '@turnout/messaging';

/** A dead letter as the router reads one back, with what a test gives it. */
export function aDeadLetter(letterId: string, change: Partial<DeadLetter> = {}): DeadLetter {
  return {
    letterId,
    reason: `reason of ${letterId}`,
    queue: 'turnout.router.task-results',
    deadLetteredAt: 1_700_000_000_000,
    body: Buffer.from(`{"letter":"${letterId}"}`),
    properties: { messageId: `message-${letterId}`, headers: {} },
    ...change,
  };
}
