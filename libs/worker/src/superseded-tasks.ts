import { TASKS_SUPERSEDED_RETENTION_MS } from '@turnout/messaging';

export interface SupersededTasksLimits {
  /** Ids kept at most; past it the oldest are forgotten (bounds a worker's memory: about 100 bytes an id). */
  maxEntries: number;
  /** How long an id is kept after its attempt was superseded: as long as the stream keeps the signal. */
  retentionMs: number;
}

export const DEFAULT_SUPERSEDED_TASKS_LIMITS: SupersededTasksLimits = { maxEntries: 50_000, retentionMs: TASKS_SUPERSEDED_RETENTION_MS };

/**
 * The ids of attempts Turnout superseded (cancelled, timed out), each with why,
 * as a worker learnt them from TASKS_SUPERSEDED_STREAM: a delivery of one of
 * them is skipped. Bounded in count and in time; signals come in about the
 * order they were published, so the oldest entry is the first one.
 */
export class SupersededTasks {
  private readonly entries = new Map<string, { reason: string; at: number }>();

  constructor(
    private readonly limits: SupersededTasksLimits = DEFAULT_SUPERSEDED_TASKS_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** Remembers a superseded attempt (`at`: when it was superseded); false when already known or too old to keep. */
  add(taskId: string, reason: string, at: number): boolean {
    this.forgetExpired();
    if (this.entries.has(taskId) || at < this.now() - this.limits.retentionMs) return false;
    this.entries.set(taskId, { reason, at });
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.limits.maxEntries) break;
      this.entries.delete(oldest);
    }
    return true;
  }

  /** Why this attempt was superseded, or null when it was not (as far as this worker knows). */
  reasonFor(taskId: string): string | null {
    const entry = this.entries.get(taskId);
    if (entry === undefined) return null;
    if (entry.at < this.now() - this.limits.retentionMs) {
      this.entries.delete(taskId);
      return null;
    }
    return entry.reason;
  }

  private forgetExpired(): void {
    const oldestKept = this.now() - this.limits.retentionMs;
    for (const [taskId, entry] of this.entries) {
      if (entry.at >= oldestKept) break;
      this.entries.delete(taskId);
    }
  }
}
