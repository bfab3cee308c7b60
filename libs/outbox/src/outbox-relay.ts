import type { BrokerUrls } from '@turnout/config';
import { messageOf } from '@turnout/domain';
import {
  type ActiveLoop,
  ADVISORY_LOCK_KEYS,
  type Checkpoint,
  ExclusiveLoop,
  type LockSession,
  type LoopLogger,
  SILENT_LOGGER,
  type SqlRunner,
  type StoredEvent,
  readCommittedEvents,
} from '@turnout/event-store';
import { SPAN_ATTRIBUTES, SPAN_NAMES, type TracedSpan, activeTracing, endSpans, withTraceparent } from '@turnout/tracing';
import { ConfirmWindow } from './confirm-window';
import { type OutgoingMessage, outboxMessagesOf } from './outbox-messages';
import { ProgressLog } from './progress-log';
import { RelayChannel } from './relay-channel';
import { RelayCheckpoint } from './relay-checkpoint';
import { TaskQueueDeclarations } from './task-queue-declarations';

export interface OutboxRelayOptions {
  /** For the relay's own session: the advisory lock and LISTEN. */
  databaseUrl: string;
  /** For reads, checkpoints and the task queues it records. */
  db: SqlRunner;
  /** One broker URL or a cluster's nodes, as connectToBroker takes them. */
  amqpUrl: BrokerUrls;
  subscriptionName: string;
  /** Relays with the same key on one database take turns: one is active, the others wait (default: ADVISORY_LOCK_KEYS.outboxRelay). */
  lockKey?: number;
  /** What to publish for each event (default: outboxMessagesOf, Turnout's lifecycle events and task messages). */
  toMessages?: (event: StoredEvent) => OutgoingMessage[];
  batchSize: number;
  /** How often a waiting relay retries the lock, and an active one reads without a NOTIFY. */
  pollMs: number;
  logger?: LoopLogger;
  /** Each page of committed events as it is read, in commit order (a page may come again after a failure). */
  onEventsRead?: (events: readonly StoredEvent[]) => void;
}

/**
 * Publishes every committed event to RabbitMQ, in commit order, with publisher
 * confirms, and only then moves its checkpoint: at least once, never skipping.
 * One relay per database is active (an ExclusiveLoop); others wait to take over.
 * Failures (Postgres or broker gone) are logged and retried with backoff; the
 * relay never gives up while it is started.
 */
export class OutboxRelay {
  /** Events published and confirmed by this relay since it was created. */
  publishedCount = 0;
  private readonly logger: LoopLogger;
  private readonly toMessages: (event: StoredEvent) => OutgoingMessage[];
  private readonly loop: ExclusiveLoop;
  /** How far the broker confirmed this relay's publishes, kept across losing and taking the lock again. */
  private confirmedUpTo?: Checkpoint;

  constructor(private readonly options: OutboxRelayOptions) {
    this.logger = options.logger ?? SILENT_LOGGER;
    this.toMessages = options.toMessages ?? outboxMessagesOf;
    this.loop = new ExclusiveLoop({
      databaseUrl: options.databaseUrl,
      name: `outbox relay (subscription ${options.subscriptionName})`,
      sessionName: relayName(options.subscriptionName),
      lockKey: options.lockKey ?? ADVISORY_LOCK_KEYS.outboxRelay,
      pollMs: options.pollMs,
      logger: this.logger,
      whileActive: (session, loop) => this.relay(session, loop),
    });
  }

  /** True while this relay holds the lock, i.e. it is the one publishing. */
  isActive(): boolean {
    return this.loop.isActive();
  }

  /** Starts relaying in the background; returns at once, without waiting for the lock. */
  start(): Promise<void> {
    return this.loop.start();
  }

  /** Stops relaying and releases the lock and every connection. Safe to call more than once. */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Reads, publishes and checkpoints while this relay holds the lock and both connections stand. */
  private async relay(session: LockSession, loop: ActiveLoop): Promise<void> {
    const channel = new RelayChannel({
      amqpUrl: this.options.amqpUrl,
      connectionName: relayName(this.options.subscriptionName),
      warn: (message) => this.logger.warn(`outbox relay: ${message}`),
      wake: () => loop.wake(),
    });
    try {
      await channel.open();
      await this.publishWhileRunning(session, loop, channel);
    } finally {
      await channel.close();
    }
  }

  private async publishWhileRunning(session: LockSession, loop: ActiveLoop, channel: RelayChannel): Promise<void> {
    const { db, subscriptionName, batchSize, pollMs } = this.options;
    const taskQueues = new TaskQueueDeclarations(channel, db);
    const checkpoint = await RelayCheckpoint.read(db, subscriptionName, () => !session.isLost, this.confirmedUpTo);
    const unconfirmed = new ConfirmWindow((page) => {
      checkpoint.moveTo(page.upTo);
      this.confirmedUpTo = page.upTo;
      this.publishedCount += page.count;
    });
    const progress = new ProgressLog((message) => this.logger.log(message), this.publishedCount);
    let readUpTo = checkpoint.position;
    try {
      while (loop.running) {
        session.throwIfLost();
        channel.throwIfLost();
        session.beginRead();
        const events = await readCommittedEvents(db, readUpTo, batchSize);
        if (events.length > 0) {
          this.options.onEventsRead?.(events);
          const spans = await this.publish(channel, taskQueues, events);
          const last = events[events.length - 1];
          readUpTo = { transactionId: last.transactionId, globalPosition: last.globalPosition };
          const confirmed = channel.confirmed();
          unconfirmed.add({ upTo: readUpTo, count: events.length }, confirmed);
          if (spans.length > 0) endWhenConfirmed(spans, confirmed);
        }
        const idle = events.length < batchSize && !session.notified;
        // Confirmed by the broker: only now may the checkpoint move past these events.
        await (idle ? unconfirmed.settleAll() : unconfirmed.settleConfirmed());
        await checkpoint.storeIfDue(idle);
        progress.note(this.publishedCount, checkpoint.position);
        // A full page means more is waiting; otherwise wait for a NOTIFY, or for the poll
        // that catches events held back by the xmin horizon (no NOTIFY comes for those).
        // A NOTIFY that came while confirms or the checkpoint were awaited woke no one: read now.
        if (idle && !session.notified) await loop.sleep(pollMs);
      }
      await unconfirmed.settleAll();
    } catch (error) {
      throw channel.explain(error);
    } finally {
      // Everything up to the checkpoint's position is confirmed: keep it (unless the lock is gone).
      await checkpoint.store().catch((error) => this.logger.warn(`outbox relay could not store its checkpoint: ${messageOf(error)}`));
    }
  }

  /** Publishes a page; with tracing on, answers the publish spans of its task messages (ended on the page's confirm). */
  private async publish(channel: RelayChannel, taskQueues: TaskQueueDeclarations, events: readonly StoredEvent[]): Promise<TracedSpan[]> {
    const spans: TracedSpan[] = [];
    for (const event of events) {
      for (const message of this.toMessages(event)) {
        if (message.assertQueue !== undefined) await taskQueues.declareOnce(message.assertQueue);
        const span = message.traceparent === undefined ? undefined : publishSpan(message);
        if (span !== undefined) spans.push(span);
        if (!channel.publish(span === undefined ? message : { ...message, options: withTraceparent(message.options, span) })) await channel.drained();
      }
    }
    return spans;
  }
}

/** A task message's publish, a child of its scheduling span; its traceparent goes in the message's headers for the worker. */
function publishSpan(message: OutgoingMessage): TracedSpan | undefined {
  return activeTracing()?.startSpan(SPAN_NAMES.publish, { parent: message.traceparent, role: 'producer', attributes: { [SPAN_ATTRIBUTES.queue]: message.routingKey } });
}

function endWhenConfirmed(spans: readonly TracedSpan[], confirmed: Promise<unknown>): void {
  confirmed.then(
    () => endSpans(spans),
    (error: unknown) => endSpans(spans, error),
  );
}

/** How the relay names its Postgres session and broker connection, for operators. */
export function relayName(subscriptionName: string): string {
  return `turnout outbox relay (${subscriptionName})`;
}
