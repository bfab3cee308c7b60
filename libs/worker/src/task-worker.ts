import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type * as amqp from 'amqplib';
import { isNoDomain, nameProblem, queueNameProblem, taskQueueName } from '@turnout/domain';
import {
  DEAD_LETTER_EXCHANGE,
  DEAD_LETTER_REASON_HEADER,
  HEARTBEATS_EXCHANGE,
  type Heartbeat,
  type Parsed,
  TASK_RESULTS_EXCHANGE,
  type TaskMessage,
  type TaskResult,
  assertDeadLetter,
  assertTaskQueue,
  assertWorkerExchanges,
  connectToBroker,
  isRecord,
  parseJson,
} from '@turnout/messaging';
import { DEFAULT_RECONNECT_POLICY, type ReconnectPolicy, reconnectDelayMs } from './reconnect-backoff';
import { type Task, type TaskContext, type TaskHandler, TerminalTaskError } from './task';
import { withinDeadline } from './within-deadline';

export interface TaskWorkerOptions<I, O extends object | void> {
  amqpUrl: string;
  taskType: string;
  /**
   * The one domain this worker consumes, or none for the default queue. Taken as
   * given: TaskRunner is where Conductor's configuration precedence applies.
   */
  domain?: string | null;
  workerId?: string;
  /** Tasks run at once (default 1); the broker's prefetch follows it. */
  concurrency?: number;
  heartbeatIntervalMs?: number;
  /** On stop, how long held tasks may take to finish before they go back to the queue (default 20 s). */
  shutdownDeadlineMs?: number;
  /**
   * How long one attempt to start (connect, declare, consume, first heartbeat
   * confirmed) may take before it is abandoned and tried afresh (default 10 s).
   */
  startTimeoutMs?: number;
  reconnect?: Partial<ReconnectPolicy>;
  execute: TaskHandler<I, O>;
  log?: (message: string) => void;
}

/** What stop() did with the tasks the worker held. */
export interface StopReport {
  /** Tasks whose result was confirmed and acknowledged while stopping. */
  finished: number;
  /** Tasks that were still running at the deadline and went back to the queue. */
  returnedToQueue: number;
}

export const DEFAULT_HEARTBEAT_INTERVAL_MS = 2_000;
export const DEFAULT_SHUTDOWN_DEADLINE_MS = 20_000;
export const DEFAULT_START_TIMEOUT_MS = 10_000;

/** One connection to the broker and what was opened on it; replaced whole on reconnect. */
interface Session {
  connection: amqp.ChannelModel;
  publishChannel: amqp.ConfirmChannel;
  consumeChannel: amqp.Channel;
  consumerTag: string;
  /** The connection has closed: nothing more can be published, acked or nacked through it. */
  lost: boolean;
}

/** A task message the worker holds, from delivery until it is acked or given back. */
interface Delivery {
  message: amqp.ConsumeMessage;
  session: Session;
  /** Aborted when the worker gives the task up; its handler's result is then dropped. */
  abandon: AbortController;
  /** Acked, nacked, or gone with its connection: never settle it twice (the channel would close). */
  settled: boolean;
  done: Promise<void>;
}

type Phase = 'idle' | 'running' | 'stopping' | 'stopped';

/** How far an attempt to open a session got: named in the error when it stalls, closed when abandoned. */
interface Opening {
  step: string;
  connection?: amqp.ChannelModel;
  /** Past its deadline: a connection that arrives now is closed at once. */
  abandoned: boolean;
}

const ignore = (): void => undefined;
const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
const FIRST_START_ATTEMPTS = 3;

/**
 * Consumes one task queue (`<taskType>` or `<taskType>@<domain>`): runs the
 * handler, publishes the TaskResult with a publisher confirm and only then acks
 * the task. Sends heartbeats while it runs. Reconnects with backoff when the
 * broker connection drops (the broker redelivers what was unacked). stop() stops
 * taking work, finishes what it holds up to a deadline, returns the rest to the
 * queue, sends a last heartbeat that marks it gone, and disconnects.
 */
export class TaskWorker<I = Record<string, unknown>, O extends object | void = Record<string, unknown>> {
  readonly workerId: string;
  readonly taskType: string;
  readonly domain: string | null;
  readonly queueName: string;
  readonly concurrency: number;
  private readonly heartbeatIntervalMs: number;
  private readonly shutdownDeadlineMs: number;
  private readonly startTimeoutMs: number;
  private readonly reconnectPolicy: ReconnectPolicy;
  private phase: Phase = 'idle';
  private session?: Session;
  private heartbeatTimer?: NodeJS.Timeout;
  private reconnectTimer?: NodeJS.Timeout;
  private stopping?: Promise<StopReport>;
  private readonly inFlight = new Set<Delivery>();
  private completed = 0;
  private reconnected = 0;

  constructor(private readonly options: TaskWorkerOptions<I, O>) {
    this.taskType = options.taskType;
    this.domain = options.domain ?? null;
    const problem =
      nameProblem(this.taskType) ??
      (this.domain === null ? null : nameProblem(this.domain) ?? queueNameProblem(this.taskType, this.domain));
    if (problem !== null) throw new Error(`worker for ${taskQueueName(this.taskType, this.domain)}: ${problem}`);
    if (this.domain !== null && isNoDomain(this.domain)) {
      throw new Error('a worker consumes exactly one domain: leave the domain out for the default queue instead of NO_DOMAIN');
    }
    this.concurrency = options.concurrency ?? 1;
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
    this.shutdownDeadlineMs = options.shutdownDeadlineMs ?? DEFAULT_SHUTDOWN_DEADLINE_MS;
    this.startTimeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
    this.reconnectPolicy = { ...DEFAULT_RECONNECT_POLICY, ...options.reconnect };
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1) throw new Error(`concurrency must be a whole number, 1 or more (got ${this.concurrency})`);
    if (!(this.heartbeatIntervalMs > 0)) throw new Error(`heartbeatIntervalMs must be above 0 (got ${this.heartbeatIntervalMs})`);
    if (!(this.shutdownDeadlineMs >= 0)) throw new Error(`shutdownDeadlineMs must be 0 or more (got ${this.shutdownDeadlineMs})`);
    if (!(this.startTimeoutMs > 0)) throw new Error(`startTimeoutMs must be above 0 (got ${this.startTimeoutMs})`);
    this.workerId = options.workerId ?? `${hostname()}-${randomUUID().slice(0, 8)}`;
    this.queueName = taskQueueName(this.taskType, this.domain);
  }

  /** Tasks whose result was confirmed and acknowledged (completed or failed alike). */
  get tasksCompleted(): number {
    return this.completed;
  }

  /** How many times a lost connection was re-established. */
  get reconnections(): number {
    return this.reconnected;
  }

  /** Tasks held right now. */
  get tasksHeld(): number {
    return this.inFlight.size;
  }

  /** Connects and starts consuming; rejects when the broker cannot be reached the first time. */
  async start(): Promise<void> {
    if (this.phase !== 'idle') throw new Error(`worker ${this.workerId} for ${this.queueName} was already started`);
    this.phase = 'running';
    let session: Session;
    try {
      session = await this.openFirstSession();
    } catch (error) {
      this.phase = 'idle';
      throw error;
    }
    if (this.phase !== 'running') {
      // stop() came while connecting: it found nothing to stop, so close what was just opened.
      await session.connection.close().catch(ignore);
      return;
    }
    this.session = session;
    this.heartbeatTimer = setInterval(
      () => void this.sendHeartbeat(false).catch((error) => this.log(`heartbeat failed: ${messageOf(error)}`)),
      this.heartbeatIntervalMs,
    );
    if (session.lost) this.onSessionLost(session, 'the connection closed as the worker started');
    this.log(`worker ${this.workerId} consumes ${this.queueName} (concurrency ${this.concurrency})`);
  }

  /**
   * Stops taking work, lets held tasks finish until the shutdown deadline,
   * returns the unfinished ones to the queue, says it is gone, disconnects.
   * Calling it again returns the same report.
   */
  stop(): Promise<StopReport> {
    switch (this.phase) {
      case 'idle':
        this.phase = 'stopped';
        return Promise.resolve({ finished: 0, returnedToQueue: 0 });
      case 'running':
        this.phase = 'stopping';
        this.stopping = this.shutDown();
        return this.stopping;
      case 'stopping':
      case 'stopped':
        return this.stopping ?? Promise.resolve({ finished: 0, returnedToQueue: 0 });
      default: {
        const unknownPhase: never = this.phase;
        throw new Error(`unknown phase ${String(unknownPhase)}`);
      }
    }
  }

  private async shutDown(): Promise<StopReport> {
    clearTimeout(this.reconnectTimer);
    clearInterval(this.heartbeatTimer);
    const session = this.session;
    if (session !== undefined && !session.lost) await session.consumeChannel.cancel(session.consumerTag).catch(ignore);
    // Tasks already given up with a lost connection are back on the queue: there is nothing to wait for.
    const held = [...this.inFlight].filter((delivery) => !delivery.abandon.signal.aborted);
    const completedBefore = this.completed;
    if (held.length > 0) {
      this.log(`stopping: finishing ${held.length} held task(s), for up to ${this.shutdownDeadlineMs} ms`);
      let deadline: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled(held.map((delivery) => delivery.done)),
        new Promise<void>((resolve) => (deadline = setTimeout(resolve, this.shutdownDeadlineMs))),
      ]);
      clearTimeout(deadline);
    }
    let returnedToQueue = 0;
    for (const delivery of held) {
      if (!this.inFlight.has(delivery)) continue;
      delivery.abandon.abort(new Error('the worker stopped before the task finished; the task went back to the queue'));
      if (this.settle(delivery, (channel, message) => channel.nack(message, false, true))) returnedToQueue += 1;
    }
    await this.sendHeartbeat(true).catch((error) => this.log(`last heartbeat failed: ${messageOf(error)}`));
    this.session = undefined;
    this.phase = 'stopped';
    if (session !== undefined) await session.connection.close().catch(ignore);
    const report = { finished: this.completed - completedBefore, returnedToQueue };
    this.log(`worker ${this.workerId} stopped consuming ${this.queueName}: finished ${report.finished}, returned ${report.returnedToQueue} to the queue`);
    return report;
  }

  /**
   * Workers starting together on a queue nobody declared yet race to create it,
   * and RabbitMQ may close the losers' channels; a broker may also accept the
   * connection and then stall. Each attempt has a deadline that names the step
   * it was stuck at; a stalled attempt is closed and tried afresh.
   */
  private async openFirstSession(): Promise<Session> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.attemptSession();
      } catch (error) {
        if (attempt >= FIRST_START_ATTEMPTS) throw new Error(`could not start consuming ${this.queueName}: ${messageOf(error)}`);
        this.log(`starting failed (${messageOf(error)}); trying again`);
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
  }

  /** Opens a session and has its first heartbeat confirmed, within startTimeoutMs; closes what it opened on failure. */
  private async attemptSession(): Promise<Session> {
    const opening: Opening = { step: 'connecting', abandoned: false };
    try {
      return await withinDeadline(
        this.openSession(opening).then(async (opened) => {
          opening.step = 'waiting for the broker to confirm the first heartbeat';
          await this.sendHeartbeatOn(opened, false);
          return opened;
        }),
        this.startTimeoutMs,
        () => new Error(`no progress within ${this.startTimeoutMs} ms while ${opening.step}`),
      );
    } catch (error) {
      opening.abandoned = true;
      await opening.connection?.close().catch(ignore);
      throw error;
    }
  }

  private async openSession(opening: Opening): Promise<Session> {
    const connection = await connectToBroker(this.options.amqpUrl, {
      connectionName: `turnout-worker ${this.workerId} ${this.queueName}`,
      log: (message) => this.log(message),
      timeoutMs: this.startTimeoutMs,
    });
    opening.connection = connection;
    if (opening.abandoned) {
      await connection.close().catch(ignore);
      throw new Error('the attempt was abandoned before the broker answered');
    }
    // Listen at once: amqplib throws an 'error' nobody listens to, and a close may come mid-setup.
    let session: Session | undefined;
    let closed = false;
    connection.on('error', (error: unknown) => this.log(`connection error: ${messageOf(error)}`));
    connection.on('close', () => {
      closed = true;
      if (session !== undefined) this.onSessionLost(session, 'the connection closed');
    });
    const watch = <C extends amqp.Channel>(channel: C): C => {
      channel.on('error', (error: unknown) => this.log(`channel error: ${messageOf(error)}`));
      // A channel the broker closed leaves the session half-working: close it all and start afresh.
      channel.on('close', () => void connection.close().catch(ignore));
      return channel;
    };
    try {
      opening.step = 'opening channels and declaring the exchanges';
      const publishChannel = watch(await connection.createConfirmChannel());
      await assertWorkerExchanges(publishChannel);
      await assertDeadLetter(publishChannel);
      const consumeChannel = watch(await connection.createChannel());
      opening.step = `declaring the queue ${this.queueName}`;
      await assertTaskQueue(consumeChannel, this.queueName);
      // Per consumer: the broker hands this worker no more unacked tasks than it runs at once.
      await consumeChannel.prefetch(this.concurrency);
      const opened: Session = { connection, publishChannel, consumeChannel, consumerTag: '', lost: closed };
      session = opened;
      opening.step = `starting to consume ${this.queueName}`;
      const { consumerTag } = await consumeChannel.consume(this.queueName, (message) => this.onMessage(opened, message));
      opened.consumerTag = consumerTag;
      return opened;
    } catch (error) {
      await connection.close().catch(ignore);
      throw error;
    }
  }

  private onSessionLost(session: Session, why: string): void {
    session.lost = true;
    if (this.session !== session) return;
    this.session = undefined;
    // The broker puts everything unacked on that connection back on the queue; results
    // still to come for those tasks could not be acked, so they are dropped.
    for (const delivery of this.inFlight) {
      if (delivery.session !== session) continue;
      delivery.settled = true;
      delivery.abandon.abort(new Error('the connection to the broker was lost; the broker delivers the task again'));
    }
    if (this.phase !== 'running') return;
    this.log(`lost the broker connection (${why}); reconnecting`);
    this.scheduleReconnect(1);
  }

  private scheduleReconnect(attempt: number): void {
    const delayMs = reconnectDelayMs(attempt, this.reconnectPolicy);
    this.reconnectTimer = setTimeout(() => void this.reconnect(attempt, delayMs), delayMs);
  }

  private async reconnect(attempt: number, waitedMs: number): Promise<void> {
    this.reconnectTimer = undefined;
    if (this.phase !== 'running') return;
    let session: Session;
    try {
      session = await this.attemptSession();
    } catch (error) {
      this.log(`reconnect attempt ${attempt} (after ${waitedMs} ms) failed: ${messageOf(error)}`);
      if (this.phase === 'running') this.scheduleReconnect(attempt + 1);
      return;
    }
    if (this.phase !== 'running' || session.lost) {
      await session.connection.close().catch(ignore);
      if (this.phase === 'running') this.scheduleReconnect(attempt + 1);
      return;
    }
    this.session = session;
    this.reconnected += 1;
    this.log(`reconnected to the broker on attempt ${attempt}; consuming ${this.queueName} again`);
  }

  private onMessage(session: Session, message: amqp.ConsumeMessage | null): void {
    if (message === null) {
      // The broker cancelled the consumer (the queue was deleted): reconnecting declares it again.
      this.log(`the broker cancelled consuming ${this.queueName}`);
      void session.connection.close().catch(ignore);
      return;
    }
    const delivery: Delivery = { message, session, abandon: new AbortController(), settled: false, done: Promise.resolve() };
    if (this.phase !== 'running') {
      // Sent by the broker before it saw the cancel: not ours to run any more.
      this.settle(delivery, (channel, held) => channel.nack(held, false, true));
      return;
    }
    this.inFlight.add(delivery);
    delivery.done = this.handle(delivery)
      .catch((error) => this.log(`task ${message.properties.messageId ?? '?'} not acknowledged (${messageOf(error)}); the broker delivers it again`))
      .finally(() => this.inFlight.delete(delivery));
  }

  private async handle(delivery: Delivery): Promise<void> {
    const parsed = readTaskMessage(delivery.message.content);
    if (!parsed.ok) {
      await this.deadLetter(delivery, parsed.reason);
      return;
    }
    const task = parsed.value as Task<I>;
    const context: TaskContext = {
      workerId: this.workerId,
      redelivered: delivery.message.fields.redelivered,
      signal: delivery.abandon.signal,
    };
    const result = await this.run(task, context);
    if (delivery.abandon.signal.aborted) {
      this.log(`dropped the ${result.status} result of task ${task.taskId}: ${messageOf(delivery.abandon.signal.reason)}`);
      return;
    }
    await this.publishConfirmed(delivery.session, TASK_RESULTS_EXCHANGE, Buffer.from(JSON.stringify(result)), {
      persistent: true,
      contentType: 'application/json',
      messageId: `${task.taskId}:result`,
      correlationId: task.workflowInstanceId,
    });
    if (this.settle(delivery, (channel, message) => channel.ack(message))) this.completed += 1;
  }

  private async run(task: Task<I>, context: TaskContext): Promise<TaskResult> {
    const base = { taskId: task.taskId, workflowInstanceId: task.workflowInstanceId, workerId: this.workerId };
    let output: unknown;
    try {
      output = await this.options.execute(task, context);
    } catch (error) {
      const status = error instanceof TerminalTaskError ? 'FAILED_WITH_TERMINAL_ERROR' : 'FAILED';
      return { ...base, status, outputData: {}, reasonForIncompletion: messageOf(error) };
    }
    if (output === undefined || output === null) return { ...base, status: 'COMPLETED', outputData: {}, reasonForIncompletion: null };
    if (!isRecord(output)) {
      const what = Array.isArray(output) ? 'an array' : typeof output;
      return { ...base, status: 'FAILED', outputData: {}, reasonForIncompletion: `the handler returned ${what}; outputData must be an object` };
    }
    return { ...base, status: 'COMPLETED', outputData: output, reasonForIncompletion: null };
  }

  /** Acks or nacks once, through the channel the task came on; false when that is no longer possible. */
  private settle(delivery: Delivery, how: (channel: amqp.Channel, message: amqp.ConsumeMessage) => void): boolean {
    if (delivery.settled || delivery.session.lost) return false;
    delivery.settled = true;
    try {
      how(delivery.session.consumeChannel, delivery.message);
      return true;
    } catch (error) {
      // The channel closed under us: the broker requeues the task with the connection.
      this.log(`could not settle a task message: ${messageOf(error)}`);
      return false;
    }
  }

  private async deadLetter(delivery: Delivery, reason: string): Promise<void> {
    const { message } = delivery;
    this.log(`dead-lettering a message from ${this.queueName}: ${reason}`);
    await this.publishConfirmed(delivery.session, DEAD_LETTER_EXCHANGE, message.content, {
      ...message.properties,
      headers: { ...message.properties.headers, [DEAD_LETTER_REASON_HEADER]: reason, 'x-turnout-queue': this.queueName },
    });
    this.settle(delivery, (channel, held) => channel.ack(held));
  }

  private async sendHeartbeat(gone: boolean): Promise<void> {
    const session = this.session;
    // Without a connection there is no one to tell; presence lapses on its own, as it should.
    if (session === undefined) return;
    await this.sendHeartbeatOn(session, gone);
  }

  private async sendHeartbeatOn(session: Session, gone: boolean): Promise<void> {
    if (session.lost) return;
    const heartbeat: Heartbeat = {
      taskType: this.taskType,
      domain: this.domain,
      workerId: this.workerId,
      at: new Date().toISOString(),
      ...(gone ? { gone: true } : {}),
    };
    await this.publishConfirmed(session, HEARTBEATS_EXCHANGE, Buffer.from(JSON.stringify(heartbeat)), { contentType: 'application/json' });
  }

  private publishConfirmed(session: Session, exchange: string, content: Buffer, options: amqp.Options.Publish): Promise<void> {
    return new Promise((resolve, reject) => {
      try {
        session.publishChannel.publish(exchange, '', content, options, (error) => (error ? reject(error) : resolve()));
      } catch (error) {
        reject(error);
      }
    });
  }

  private log(message: string): void {
    this.options.log?.(message);
  }
}

/** The task message's fields a worker relies on, checked; anything else is dead-lettered. */
function readTaskMessage(content: Buffer): Parsed<TaskMessage> {
  const body = parseJson(content);
  if (!body.ok) return body;
  const { taskId, workflowInstanceId, inputData } = body.value;
  if (typeof taskId !== 'string' || taskId === '') return { ok: false, reason: 'taskId: must be a non-empty string' };
  if (typeof workflowInstanceId !== 'string' || workflowInstanceId === '') {
    return { ok: false, reason: 'workflowInstanceId: must be a non-empty string' };
  }
  if (inputData !== undefined && !isRecord(inputData)) return { ok: false, reason: 'inputData: must be an object' };
  return { ok: true, value: { ...body.value, inputData: inputData ?? {} } as unknown as TaskMessage };
}
