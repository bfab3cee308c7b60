import type { Checkpoint } from '@turnout/event-store';

const LOG_EVERY_MS = 10_000;

/** Says now and then how much the relay published, so that a busy relay is seen at work without a line per page. */
export class ProgressLog {
  private loggedAt = Date.now();

  constructor(
    private readonly log: (message: string) => void,
    private publishedAtLastLog: number,
  ) {}

  note(publishedCount: number, checkpoint: Checkpoint): void {
    if (Date.now() - this.loggedAt < LOG_EVERY_MS || publishedCount <= this.publishedAtLastLog) return;
    this.log(`outbox relay published ${publishedCount - this.publishedAtLastLog} events (checkpoint ${checkpoint.transactionId}/${checkpoint.globalPosition})`);
    this.loggedAt = Date.now();
    this.publishedAtLastLog = publishedCount;
  }
}
