import { messageOf } from '@turnout/domain';
import { ADVISORY_LOCK_KEYS, type SqlRunner, type StoredEvent, readCommittedEvents } from '@turnout/event-store';
import { ConfirmWindow } from './confirm-window';
import { RelayLockSession } from './lock-session';
import { type OutgoingMessage, outboxMessagesOf } from './outbox-messages';
import { ProgressLog } from './progress-log';
import { RelayChannel } from './relay-channel';
import { RelayCheckpoint } from './relay-checkpoint';
import { TaskQueueDeclarations } from './task-queue-declarations';

export interface RelayLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface OutboxRelayOptions {
  /** For the relay's own session: the advisory lock and LISTEN. */
  databaseUrl: string;
  /** For reads, checkpoints and the task queues it records. */
  db: SqlRunner;
  amqpUrl: string;
  subscriptionName: string;
  /** Relays with the same key on one database take turns: one is active, the others wait (default: ADVISORY_LOCK_KEYS.outboxRelay). */
  lockKey?: number;
  /** What to publish for each event (default: outboxMessagesOf, Turnout's lifecycle events and task messages). */
  toMessages?: (event: StoredEvent) => OutgoingMessage[];
  batchSize: number;
  /** How often a waiting relay retries the lock, and an active one reads without a NOTIFY. */
  pollMs: number;
  logger?: RelayLogger;
  /** Each page of committed events as it is read, in commit order (a page may come again after a failure). */
  onEventsRead?: (events: readonly StoredEvent[]) => void;
}

const MAX_BACKOFF_MS = 10_000;
const SILENT: RelayLogger = { log: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * Publishes every committed event to RabbitMQ, in commit order, with publisher
 * confirms, and only then moves its checkpoint: at least once, never skipping.
 * One relay per database is active (advisory lock); others wait to take over.
 * Failures (Postgres or broker gone) are logged and retried with backoff; the
 * relay never gives up while it is started.
 */
export class OutboxRelay {
  /** Events published and confirmed by this relay since it was created. */
  publishedCount = 0;
  private readonly logger: RelayLogger;
  private readonly lockKey: number;
  private readonly toMessages: (event: StoredEvent) => OutgoingMessage[];
  private running = false;
  private active = false;
  private loop?: Promise<void>;
  private session?: RelayLockSession;
  private channel?: RelayChannel;
  private wakeUp?: () => void;

  constructor(private readonly options: OutboxRelayOptions) {
    this.logger = options.logger ?? SILENT;
    this.lockKey = options.lockKey ?? ADVISORY_LOCK_KEYS.outboxRelay;
    this.toMessages = options.toMessages ?? outboxMessagesOf;
  }

  /** True while this relay holds the lock, i.e. it is the one publishing. */
  isActive(): boolean {
    return this.active;
  }

  /** Starts relaying in the background; returns at once, without waiting for the lock. */
  async start(): Promise<void> {
    if (this.running) return;
    // A stop still under way ends first: two loops must never share this relay's connections.
    await this.loop;
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops relaying and releases the lock and every connection. Safe to call more than once. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
  }

  private async run(): Promise<void> {
    let backoffMs = this.options.pollMs;
    while (this.running) {
      const attemptStartedAt = Date.now();
      try {
        await this.holdLockAndRelay();
      } catch (error) {
        if (!this.running) break;
        // An attempt that ran well for a while failed on something new: start the backoff over.
        if (Date.now() - attemptStartedAt >= MAX_BACKOFF_MS) backoffMs = this.options.pollMs;
        this.logger.error(`outbox relay failed, retrying in ${backoffMs} ms: ${messageOf(error)}`);
        await this.release();
        await this.sleep(backoffMs);
        backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
      } finally {
        await this.release();
      }
    }
  }

  private async holdLockAndRelay(): Promise<void> {
    const session = new RelayLockSession(this.options.databaseUrl, relayName(this.options.subscriptionName), () => this.wake());
    this.session = session;
    await session.connect();
    if (!(await this.waitForLock(session))) return;
    await session.listenForAppends();
    this.active = true;
    this.logger.log(`outbox relay active (subscription ${this.options.subscriptionName}, lock ${this.lockKey})`);
    await this.relay(session);
  }

  /** False when the relay stopped before it got the lock. */
  private async waitForLock(session: RelayLockSession): Promise<boolean> {
    let toldWaiting = false;
    while (this.running) {
      if (await session.tryLock(this.lockKey)) return true;
      if (!toldWaiting) this.logger.log(`outbox relay waiting: another relay holds lock ${this.lockKey}`);
      toldWaiting = true;
      await this.sleep(this.options.pollMs);
    }
    return false;
  }

  /** Reads, publishes and checkpoints while this relay holds the lock and both connections stand. */
  private async relay(session: RelayLockSession): Promise<void> {
    const { db, subscriptionName, batchSize, pollMs } = this.options;
    const channel = new RelayChannel({
      amqpUrl: this.options.amqpUrl,
      connectionName: relayName(subscriptionName),
      warn: (message) => this.logger.warn(`outbox relay: ${message}`),
      wake: () => this.wake(),
    });
    this.channel = channel;
    await channel.open();
    const taskQueues = new TaskQueueDeclarations(channel, db);
    const checkpoint = await RelayCheckpoint.read(db, subscriptionName, () => !session.isLost);
    const unconfirmed = new ConfirmWindow((page) => {
      checkpoint.moveTo(page.upTo);
      this.publishedCount += page.count;
    });
    const progress = new ProgressLog((message) => this.logger.log(message), this.publishedCount);
    let readUpTo = checkpoint.position;
    try {
      while (this.running) {
        session.throwIfLost();
        channel.throwIfLost();
        session.beginRead();
        const events = await readCommittedEvents(db, readUpTo, batchSize);
        if (events.length > 0) {
          this.options.onEventsRead?.(events);
          await this.publish(channel, taskQueues, events);
          const last = events[events.length - 1];
          readUpTo = { transactionId: last.transactionId, globalPosition: last.globalPosition };
          unconfirmed.add({ upTo: readUpTo, count: events.length }, channel.confirmed());
        }
        const idle = events.length < batchSize && !session.notified;
        // Confirmed by the broker: only now may the checkpoint move past these events.
        await (idle ? unconfirmed.settleAll() : unconfirmed.settleConfirmed());
        await checkpoint.storeIfDue(idle);
        progress.note(this.publishedCount, checkpoint.position);
        // A full page means more is waiting; otherwise wait for a NOTIFY, or for the poll
        // that catches events held back by the xmin horizon (no NOTIFY comes for those).
        // A NOTIFY that came while confirms or the checkpoint were awaited woke no one: read now.
        if (idle && !session.notified) await this.sleep(pollMs);
      }
      await unconfirmed.settleAll();
    } catch (error) {
      throw channel.explain(error);
    } finally {
      // Everything up to the checkpoint's position is confirmed: keep it (unless the lock is gone).
      await checkpoint.store().catch((error) => this.logger.warn(`outbox relay could not store its checkpoint: ${messageOf(error)}`));
    }
  }

  private async publish(channel: RelayChannel, taskQueues: TaskQueueDeclarations, events: readonly StoredEvent[]): Promise<void> {
    for (const event of events) {
      for (const message of this.toMessages(event)) {
        if (message.assertQueue !== undefined) await taskQueues.declareOnce(message.assertQueue);
        if (!channel.publish(message)) await channel.drained();
      }
    }
  }

  private async release(): Promise<void> {
    const wasActive = this.active;
    this.active = false;
    const channel = this.channel;
    this.channel = undefined;
    await channel?.close();
    const session = this.session;
    this.session = undefined;
    await session?.end();
    if (wasActive) this.logger.log(`outbox relay released lock ${this.lockKey}`);
  }

  /** Waits `ms`, or less when woken (NOTIFY, lost connection, stop). */
  private sleep(ms: number): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
  }

  private wake(): void {
    const wakeUp = this.wakeUp;
    this.wakeUp = undefined;
    wakeUp?.();
  }
}

/** How the relay names its Postgres session and broker connection, for operators. */
export function relayName(subscriptionName: string): string {
  return `turnout outbox relay (${subscriptionName})`;
}
