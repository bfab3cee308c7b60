import { once } from 'node:events';
import * as amqp from 'amqplib';
import { Client } from 'pg';
import { connectToBroker } from '@turnout/messaging/broker-connection';
import { assertTaskQueue } from '@turnout/messaging/topology';
import { EVENTS_NOTIFY_CHANNEL } from './append-to-stream';
import { readCheckpoint } from './read-checkpoint';
import { readCommittedEvents } from './read-committed-events';
import type { SqlRunner } from './sql-runner';
import { storeCheckpoint } from './store-checkpoint';
import type { Checkpoint, StoredEvent } from './stored-event';

/** One AMQP message the relay publishes for an event. */
export interface OutgoingMessage {
  exchange: string;
  routingKey: string;
  content: Buffer;
  options: amqp.Options.Publish;
  /** A task queue to declare (once) before the first publish to it. */
  assertQueue?: string;
}

export interface RelayLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface OutboxRelayOptions {
  /** For the relay's own session: the advisory lock and LISTEN. */
  databaseUrl: string;
  /** For reads and checkpoints. */
  db: SqlRunner;
  amqpUrl: string;
  subscriptionName: string;
  /** Relays with the same key on one database take turns: one is active, the others wait. */
  lockKey: number;
  toMessages: (event: StoredEvent) => OutgoingMessage[];
  batchSize: number;
  /** How often a waiting relay retries the lock, and an active one reads without a NOTIFY. */
  pollMs: number;
  logger?: RelayLogger;
  /** Called once per queue this relay declares, before it publishes to it. */
  onQueueDeclared?: (queueName: string) => Promise<void>;
  /** Each page of committed events as it is read, in commit order (a page may come again after a failure). */
  onEventsRead?: (events: readonly StoredEvent[]) => void;
}

const MAX_BACKOFF_MS = 10_000;
/** How long a dedicated LISTEN session (the relay's, a presence follower's) may take to connect. */
export const LISTEN_SESSION_CONNECT_TIMEOUT_MS = 10_000;
// Under load the checkpoint is stored at most this often (and whenever the relay goes idle):
// a commit per batch would cost as much as the batch. A crash republishes at most this much.
const CHECKPOINT_EVERY_MS = 200;
const PROGRESS_LOG_EVERY_MS = 10_000;
// Batches published while earlier ones await their confirms: the broker's confirm latency
// (a quorum queue's fsync) overlaps the next read instead of adding to every event's wait.
const MAX_UNCONFIRMED_BATCHES = 8;
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
  private running = false;
  private active = false;
  private loop?: Promise<void>;
  private session?: Client;
  private sessionLost?: Error;
  private connection?: amqp.ChannelModel;
  private brokerLost?: Error;
  private wakeUp?: () => void;
  private notified = false;

  constructor(private readonly options: OutboxRelayOptions) {
    this.logger = options.logger ?? SILENT;
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
    const session = await this.openSession();
    let toldWaiting = false;
    for (;;) {
      if (!this.running) return;
      this.throwIfSessionLost();
      const { rows } = await session.query('select pg_try_advisory_lock($1) as locked', [this.options.lockKey]);
      if (rows[0].locked === true) break;
      if (!toldWaiting) this.logger.log(`outbox relay waiting: another relay holds lock ${this.options.lockKey}`);
      toldWaiting = true;
      await this.sleep(this.options.pollMs);
    }
    // LISTEN before the first read, so that no NOTIFY falls between the read and the wait.
    await session.query(`listen ${EVENTS_NOTIFY_CHANNEL}`);
    this.active = true;
    this.logger.log(`outbox relay active (subscription ${this.options.subscriptionName}, lock ${this.options.lockKey})`);
    await this.relay();
  }

  /** The relay's own session: it holds the advisory lock (until it ends) and receives NOTIFYs. */
  private async openSession(): Promise<Client> {
    this.sessionLost = undefined;
    const session = new Client({
      connectionString: this.options.databaseUrl,
      connectionTimeoutMillis: LISTEN_SESSION_CONNECT_TIMEOUT_MS,
      // So that an operator sees in pg_stat_activity which session holds the relay's lock.
      application_name: relayName(this.options.subscriptionName),
    });
    // The lock went with the session: stop publishing at once, another relay may take over.
    // (Events of a session this relay let go of itself are no news.)
    const lost = (error: Error) => {
      if (this.session !== session) return;
      this.sessionLost ??= error;
      this.wake();
    };
    session.on('error', lost);
    session.on('end', () => lost(new Error('relay session ended')));
    session.on('notification', () => {
      this.notified = true;
      this.wake();
    });
    this.session = session;
    await session.connect();
    return session;
  }

  private async openChannel(): Promise<amqp.ConfirmChannel> {
    this.brokerLost = undefined;
    const connection = await connectToBroker(this.options.amqpUrl, {
      connectionName: relayName(this.options.subscriptionName),
      log: (message) => this.logger.warn(`outbox relay: ${message}`),
    });
    this.connection = connection;
    const lost = (error: Error) => {
      if (this.connection !== connection) return;
      this.brokerLost ??= error;
      this.wake();
    };
    // Without 'error' listeners a broker error would be thrown out of amqplib's socket handler.
    connection.on('error', lost);
    connection.on('close', () => lost(new Error('broker connection closed')));
    const channel = await connection.createConfirmChannel();
    channel.on('error', lost);
    channel.on('close', () => lost(new Error('broker channel closed')));
    return channel;
  }

  private async relay(): Promise<void> {
    const { db, subscriptionName, batchSize, pollMs } = this.options;
    const channel = await this.openChannel();
    const declaredQueues = new Set<string>();
    // Read after taking the lock: the previous holder may have moved it on.
    let checkpoint: Checkpoint = await readCheckpoint(db, subscriptionName);
    let stored = checkpoint;
    let storedAt = Date.now();
    const store = async () => {
      if (stored === checkpoint) return;
      await storeCheckpoint(db, subscriptionName, checkpoint);
      stored = checkpoint;
      storedAt = Date.now();
    };
    let progressLoggedAt = Date.now();
    let publishedAtLastLog = this.publishedCount;

    // Batches published and not yet confirmed, oldest first. The relay reads and publishes
    // the next batch while the broker confirms earlier ones (one channel keeps them in order);
    // the checkpoint only ever moves past batches that are confirmed, oldest first.
    const unconfirmed: Array<{ upTo: Checkpoint; count: number; confirmed: Promise<void>; done: boolean }> = [];
    let readUpTo = checkpoint;
    const settleOldest = async () => {
      const oldest = unconfirmed[0];
      await oldest.confirmed;
      unconfirmed.shift();
      checkpoint = oldest.upTo;
      this.publishedCount += oldest.count;
    };

    try {
      while (this.running) {
        this.throwIfSessionLost();
        if (this.brokerLost) throw this.brokerLost;
        // NOTIFYs arriving from here on ask for another read; any number of them, one read.
        this.notified = false;
        const events = await readCommittedEvents(db, readUpTo, batchSize);
        if (events.length > 0) {
          this.options.onEventsRead?.(events);
          await this.publish(channel, events, declaredQueues);
          const last = events[events.length - 1];
          readUpTo = { transactionId: last.transactionId, globalPosition: last.globalPosition };
          // Rejects when the broker nacks a message or the channel closes first; awaited in order below.
          const batch = { upTo: readUpTo, count: events.length, confirmed: channel.waitForConfirms(), done: false };
          batch.confirmed.then(() => (batch.done = true), () => undefined);
          unconfirmed.push(batch);
        }
        const idle = events.length < batchSize && !this.notified;
        // Confirmed by the broker: only now may the checkpoint move past these events.
        while (unconfirmed.length > 0 && (idle || unconfirmed[0].done || unconfirmed.length > MAX_UNCONFIRMED_BATCHES)) await settleOldest();
        if (idle || Date.now() - storedAt >= CHECKPOINT_EVERY_MS) await store();
        if (Date.now() - progressLoggedAt >= PROGRESS_LOG_EVERY_MS && this.publishedCount > publishedAtLastLog) {
          this.logger.log(
            `outbox relay published ${this.publishedCount - publishedAtLastLog} events ` +
              `(checkpoint ${checkpoint.transactionId}/${checkpoint.globalPosition})`,
          );
          progressLoggedAt = Date.now();
          publishedAtLastLog = this.publishedCount;
        }
        // A full page means more is waiting; otherwise wait for a NOTIFY, or for the poll
        // that catches events held back by the xmin horizon (no NOTIFY comes for those).
        // A NOTIFY that came while confirms or the checkpoint were awaited woke no one: read now.
        if (idle && !this.notified) await this.sleep(pollMs);
      }
      // Stopping: what is published may still be confirmed, and then need not be published again.
      while (unconfirmed.length > 0) await settleOldest();
    } catch (error) {
      // amqplib fails the pending confirms with a bare "channel closed"; the broker's own reason came first.
      if (this.brokerLost && error !== this.brokerLost) throw new Error(`${messageOf(error)} (${this.brokerLost.message})`);
      throw error;
    } finally {
      // Everything up to `checkpoint` is confirmed: keep it, unless the lock is gone
      // (another relay may be ahead by now; storing would only cause duplicates).
      if (!this.sessionLost) {
        await store().catch((error) => this.logger.warn(`outbox relay could not store its checkpoint: ${messageOf(error)}`));
      }
    }
  }

  private async publish(channel: amqp.ConfirmChannel, events: StoredEvent[], declaredQueues: Set<string>): Promise<void> {
    for (const event of events) {
      for (const message of this.options.toMessages(event)) {
        if (message.assertQueue !== undefined && !declaredQueues.has(message.assertQueue)) {
          await assertTaskQueue(channel, message.assertQueue);
          await this.options.onQueueDeclared?.(message.assertQueue);
          declaredQueues.add(message.assertQueue);
        }
        if (!channel.publish(message.exchange, message.routingKey, message.content, message.options)) {
          await this.drained(channel);
        }
      }
    }
  }

  /** Waits for the channel's write buffer to empty, or fails when the broker goes first. */
  private async drained(channel: amqp.ConfirmChannel): Promise<void> {
    const done = new AbortController();
    try {
      await Promise.race([
        once(channel, 'drain', { signal: done.signal }),
        once(channel, 'close', { signal: done.signal }).then(() => {
          throw new Error('broker channel closed while the relay waited to publish');
        }),
      ]);
    } finally {
      // Removes the listener of whichever did not happen.
      done.abort();
    }
  }

  private throwIfSessionLost(): void {
    if (this.sessionLost) throw new Error(`relay session lost: ${this.sessionLost.message}`);
  }

  private async release(): Promise<void> {
    const wasActive = this.active;
    this.active = false;
    const connection = this.connection;
    this.connection = undefined;
    await connection?.close().catch(() => undefined);
    const session = this.session;
    this.session = undefined;
    // Ending the session releases the advisory lock.
    await session?.end().catch(() => undefined);
    if (wasActive) this.logger.log(`outbox relay released lock ${this.options.lockKey}`);
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

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
