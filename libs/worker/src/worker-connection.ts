import type * as amqp from 'amqplib';
import type { BrokerUrls } from '@turnout/config';
import { messageOf } from '@turnout/domain';
import { type ReconnectPolicy, assertTaskQueue, connectToBroker, ensureWorkerTopology, reconnectDelayMs, renewConnectionWhenClosed } from '@turnout/messaging';
import { withinDeadline } from './within-deadline';

/** One connection to the broker and what was opened on it; replaced whole on reconnect. */
export interface BrokerSession {
  connection: amqp.ChannelModel;
  publishChannel: amqp.ConfirmChannel;
  consumeChannel: amqp.Channel;
  consumerTag: string;
  /** The connection has closed: nothing more can be published, acked or nacked through it. */
  lost: boolean;
}

export interface WorkerConnectionOptions {
  amqpUrl: BrokerUrls;
  workerId: string;
  queueName: string;
  /** The consumer's prefetch. */
  concurrency: number;
  startTimeoutMs: number;
  reconnect: ReconnectPolicy;
  /** Every delivery of the consumer (null: the broker cancelled it), with the session it came on. */
  onMessage: (session: BrokerSession, message: amqp.ConsumeMessage | null) => void;
  /**
   * Before the worker takes a task on a new session: follow the superseded
   * signals on `channel` and settle once caught up with them.
   */
  catchUp: (channel: amqp.Channel, publishChannel: amqp.ConfirmChannel) => Promise<void>;
  /** The last step of opening a session: the broker confirms the worker's first heartbeat on it. */
  confirmOpened: (session: BrokerSession) => Promise<void>;
  /** The current session was lost: the broker puts what was unacked on it back on the queue. */
  onLost: (session: BrokerSession) => void;
  /** Whether the worker still wants a session: false once it stops, and no reconnect follows. */
  wanted: () => boolean;
  log: (message: string) => void;
}

/** How far an attempt to open a session got: named in the error when it stalls, closed when abandoned. */
interface SessionAttempt {
  step: string;
  connection?: amqp.ChannelModel;
  /** Past its deadline: a connection that arrives now is closed at once. */
  abandoned: boolean;
}

const ignore = (): void => undefined;
const FIRST_START_ATTEMPTS = 3;

/**
 * A worker's session with the broker: connects, declares, catches up on
 * superseded tasks, consumes, each attempt within the start deadline; when
 * the connection drops, opens a new session with backoff for as long as the
 * worker wants one.
 */
export class WorkerConnection {
  private current?: BrokerSession;
  private reconnectTimer?: NodeJS.Timeout;
  private reconnected = 0;

  constructor(private readonly options: WorkerConnectionOptions) {}

  /** The session in use, if there is one (none while reconnecting). */
  get session(): BrokerSession | undefined {
    return this.current;
  }

  /** How many times a lost connection was re-established. */
  get reconnections(): number {
    return this.reconnected;
  }

  /**
   * Opens the first session (three attempts); rejects when they all fail. False
   * when the worker no longer wanted it by then: what was opened is closed again.
   */
  async open(): Promise<boolean> {
    const session = await this.openFirstSession();
    if (!this.options.wanted()) {
      await session.connection.close().catch(ignore);
      return false;
    }
    this.current = session;
    if (session.lost) this.onSessionLost(session, 'the connection closed as the worker started');
    return true;
  }

  /** No reconnect from now on (a scheduled one is cancelled). */
  stopReconnecting(): void {
    clearTimeout(this.reconnectTimer);
  }

  /** Drops the session in use and closes its connection. */
  async close(): Promise<void> {
    const session = this.current;
    this.current = undefined;
    if (session !== undefined) await session.connection.close().catch(ignore);
  }

  /**
   * Workers starting together on a queue nobody declared yet race to create it,
   * and RabbitMQ may close the losers' channels; a broker may also accept the
   * connection and then stall. Each attempt has a deadline that names the step
   * it was stuck at; a stalled attempt is closed and tried afresh.
   */
  private async openFirstSession(): Promise<BrokerSession> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.attemptSession();
      } catch (error) {
        if (attempt >= FIRST_START_ATTEMPTS) throw new Error(`could not start consuming ${this.options.queueName}: ${messageOf(error)}`);
        this.options.log(`starting failed (${messageOf(error)}); trying again`);
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
  }

  /** Opens a session and has its first heartbeat confirmed, within startTimeoutMs; closes what it opened on failure. */
  private async attemptSession(): Promise<BrokerSession> {
    const attempt: SessionAttempt = { step: 'connecting', abandoned: false };
    const { startTimeoutMs } = this.options;
    try {
      return await withinDeadline(
        this.openSession(attempt).then(async (opened) => {
          attempt.step = 'waiting for the broker to confirm the first heartbeat';
          await this.options.confirmOpened(opened);
          return opened;
        }),
        startTimeoutMs,
        () => new Error(`no progress within ${startTimeoutMs} ms while ${attempt.step}`),
      );
    } catch (error) {
      attempt.abandoned = true;
      await attempt.connection?.close().catch(ignore);
      throw error;
    }
  }

  private async openSession(attempt: SessionAttempt): Promise<BrokerSession> {
    const { queueName, log } = this.options;
    const connection = await connectToBroker(this.options.amqpUrl, {
      connectionName: `turnout-worker ${this.options.workerId} ${queueName}`,
      log,
      timeoutMs: this.options.startTimeoutMs,
    });
    attempt.connection = connection;
    if (attempt.abandoned) {
      await connection.close().catch(ignore);
      throw new Error('the attempt was abandoned before the broker answered');
    }
    // Listen at once: amqplib throws an 'error' nobody listens to, and a close may come mid-setup.
    let session: BrokerSession | undefined;
    let closed = false;
    connection.on('error', (error: unknown) => log(`connection error: ${messageOf(error)}`));
    connection.on('close', () => {
      closed = true;
      if (session !== undefined) this.onSessionLost(session, 'the connection closed');
    });
    // A channel closed under the session leaves it half-working: close it all and start afresh.
    const watch = <C extends amqp.Channel>(channel: C): C => renewConnectionWhenClosed(connection, channel, log, 'channel');
    try {
      attempt.step = 'checking the exchanges';
      await ensureWorkerTopology(connection);
      attempt.step = 'opening channels';
      const publishChannel = watch(await connection.createConfirmChannel());
      attempt.step = 'catching up on superseded tasks';
      await this.options.catchUp(watch(await connection.createChannel()), publishChannel);
      const consumeChannel = watch(await connection.createChannel());
      attempt.step = `declaring the queue ${queueName}`;
      await assertTaskQueue(consumeChannel, queueName);
      // Per consumer: the broker hands this worker no more unacked tasks than it runs at once.
      await consumeChannel.prefetch(this.options.concurrency);
      const opened: BrokerSession = { connection, publishChannel, consumeChannel, consumerTag: '', lost: closed };
      session = opened;
      attempt.step = `starting to consume ${queueName}`;
      const { consumerTag } = await consumeChannel.consume(queueName, (message) => this.options.onMessage(opened, message));
      opened.consumerTag = consumerTag;
      return opened;
    } catch (error) {
      await connection.close().catch(ignore);
      throw error;
    }
  }

  private onSessionLost(session: BrokerSession, why: string): void {
    session.lost = true;
    if (this.current !== session) return;
    this.current = undefined;
    this.options.onLost(session);
    if (!this.options.wanted()) return;
    this.options.log(`lost the broker connection (${why}); reconnecting`);
    this.scheduleReconnect(1);
  }

  private scheduleReconnect(attempt: number): void {
    const delayMs = reconnectDelayMs(attempt, this.options.reconnect);
    this.reconnectTimer = setTimeout(() => void this.reconnect(attempt, delayMs), delayMs);
  }

  private async reconnect(attempt: number, waitedMs: number): Promise<void> {
    this.reconnectTimer = undefined;
    if (!this.options.wanted()) return;
    let session: BrokerSession;
    try {
      session = await this.attemptSession();
    } catch (error) {
      this.options.log(`reconnect attempt ${attempt} (after ${waitedMs} ms) failed: ${messageOf(error)}`);
      if (this.options.wanted()) this.scheduleReconnect(attempt + 1);
      return;
    }
    if (!this.options.wanted() || session.lost) {
      await session.connection.close().catch(ignore);
      if (this.options.wanted()) this.scheduleReconnect(attempt + 1);
      return;
    }
    this.current = session;
    this.reconnected += 1;
    this.options.log(`reconnected to the broker on attempt ${attempt}; consuming ${this.options.queueName} again`);
  }
}
