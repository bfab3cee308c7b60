import { randomUUID } from 'node:crypto';
import type * as amqp from 'amqplib';
import { describeFieldErrors } from '@turnout/domain';
import {
  STREAM_MARKER_TYPE,
  TASKS_SUPERSEDED_EXCHANGE,
  TASKS_SUPERSEDED_MARKERS_EXCHANGE,
  TASKS_SUPERSEDED_RETENTION_MS,
  TASKS_SUPERSEDED_STREAM,
  type TaskSuperseded,
  parseTaskSuperseded,
  publishConfirmed,
} from '@turnout/messaging';
import type { SupersededTasks } from './superseded-tasks';

export interface SupersededFeedOptions {
  workerId: string;
  tasks: SupersededTasks;
  /** A signal not known before: a task the worker holds right now may be the one. */
  onSuperseded: (signal: TaskSuperseded) => void;
  log: (message: string) => void;
}

/** Signals the stream hands over unacknowledged, at most. */
const FEED_PREFETCH = 1_000;

/**
 * On reconnect the feed reads again from a little before the last thing it
 * heard: the stream's timestamps are the broker's clock, and a worker's clock
 * may be a little off from it. A signal read twice is simply known already.
 */
const RESUME_MARGIN_MS = 5 * 60_000;

/**
 * What a worker knows of superseded attempts, kept current from
 * TASKS_SUPERSEDED_STREAM over each broker session: the first session reads
 * back over the stream's whole retention, a later one from a little before
 * what the previous one last heard, so a worker that starts or reconnects
 * learns what it was not there to receive. Each session first catches up (it
 * publishes a marker to the stream and reads until the marker comes back)
 * and only then does the worker take tasks.
 */
export class SupersededFeed {
  private lastHeardAt: number | null = null;

  constructor(private readonly options: SupersededFeedOptions) {}

  /** Follows the stream on `channel`; settles once every signal published before it was read. */
  async catchUp(channel: amqp.Channel, publishChannel: amqp.ConfirmChannel): Promise<void> {
    const marker = `${this.options.workerId}:${randomUUID()}`;
    let caughtUp!: () => void;
    const reached = new Promise<void>((resolve, reject) => {
      caughtUp = resolve;
      channel.once('close', () => reject(new Error('the channel closed before the worker caught up on superseded tasks')));
    });
    // Awaited below; until then a close must not count as an unhandled rejection.
    reached.catch(() => undefined);
    await channel.prefetch(FEED_PREFETCH);
    await channel.consume(
      TASKS_SUPERSEDED_STREAM,
      (message) => {
        if (message === null) {
          // The stream was deleted: closing the channel closes the session, and the next one declares it again.
          this.options.log(`the broker stopped the feed of superseded tasks (${TASKS_SUPERSEDED_STREAM} deleted?); reconnecting`);
          void channel.close().catch(() => undefined);
          return;
        }
        // A stream keeps what is acked: the ack is only credit for the next messages.
        channel.ack(message);
        this.lastHeardAt = Date.now();
        if (message.properties.type === STREAM_MARKER_TYPE) {
          if (message.properties.messageId === marker) caughtUp();
          return;
        }
        this.read(message);
      },
      { arguments: { 'x-stream-offset': { '!': 'timestamp', value: Math.floor(this.readFrom() / 1000) } } },
    );
    const markerProperties = { type: STREAM_MARKER_TYPE, messageId: marker, contentType: 'application/json' };
    await publishConfirmed(publishChannel, TASKS_SUPERSEDED_MARKERS_EXCHANGE, Buffer.from('{}'), markerProperties);
    await reached;
  }

  private readFrom(): number {
    const oldestKept = Date.now() - TASKS_SUPERSEDED_RETENTION_MS;
    return this.lastHeardAt === null ? oldestKept : Math.max(oldestKept, this.lastHeardAt - RESUME_MARGIN_MS);
  }

  private read(message: amqp.ConsumeMessage): void {
    // Only the relay's signals count: markers come through an exchange any worker, a confined one too, may write to.
    if (message.fields.exchange !== TASKS_SUPERSEDED_EXCHANGE) {
      this.options.log(`ignored a message in ${TASKS_SUPERSEDED_STREAM} published to "${message.fields.exchange}", not ${TASKS_SUPERSEDED_EXCHANGE}`);
      return;
    }
    const parsed = parseTaskSuperseded(message.content);
    if (!parsed.ok) {
      // Not ours to dead-letter: the stream is everyone's, and keeps it anyway.
      this.options.log(`ignored a message in ${TASKS_SUPERSEDED_STREAM}: ${describeFieldErrors(parsed.errors)}`);
      return;
    }
    const { timestamp } = message.properties as { timestamp?: number };
    const at = typeof timestamp === 'number' ? timestamp * 1000 : Date.now();
    if (this.options.tasks.add(parsed.value.taskId, parsed.value.reason, at)) this.options.onSuperseded(parsed.value);
  }
}
