import type * as amqp from 'amqplib';
import type { BrokerUrls } from '@turnout/config';
import { nameProblem, queueNameProblem, taskQueueName, workerDomainProblem, workerIdProblem } from '@turnout/domain';
import { DEFAULT_RECONNECT_POLICY, type ReconnectPolicy } from '@turnout/messaging';
import { SupersededFeed } from './superseded-feed';
import { SupersededTasks } from './superseded-tasks';
import type { TaskHandler } from './task';
import { TaskDeliveries } from './task-deliveries';
import { type BrokerSession, WorkerConnection } from './worker-connection';
import { WorkerHeartbeats } from './worker-heartbeats';
import { defaultWorkerId } from './worker-id';

export interface TaskWorkerOptions<I, O extends object | void> {
  /** One broker URL, or a cluster's nodes (a comma-separated string or a list): the first that answers is used, the next after a loss. */
  amqpUrl: BrokerUrls;
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
  /**
   * A task still running this long after it was taken is reported IN_PROGRESS
   * (default 1 s; 0: at once, before the handler runs). One that ends sooner goes
   * straight to its result: a broker message and an append fewer per task.
   */
  reportStartAfterMs?: number;
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
export const DEFAULT_REPORT_START_AFTER_MS = 1_000;
export const DEFAULT_START_TIMEOUT_MS = 10_000;

type Phase = 'idle' | 'running' | 'stopping' | 'stopped';

const ignore = (): void => undefined;

/**
 * Consumes one task queue (`<taskType>` or `<taskType>@<domain>`): reports
 * IN_PROGRESS, runs the handler, publishes the TaskResult with a publisher
 * confirm and only then acks the task; skips a task whose attempt Turnout
 * superseded (it follows turnout.tasks-superseded). Sends heartbeats while it runs. Reconnects with backoff when the
 * broker connection drops (the broker redelivers what was unacked). stop() stops
 * taking work, finishes what it holds up to a deadline, returns the rest to the
 * queue, sends a last heartbeat that marks it gone, and disconnects.
 *
 * It composes four parts: the broker session and its reconnect
 * (WorkerConnection), the tasks it holds (TaskDeliveries), what it knows of
 * superseded attempts (SupersededFeed) and its heartbeats (WorkerHeartbeats);
 * what is left here is start, stop and the order of both.
 */
export class TaskWorker<I = Record<string, unknown>, O extends object | void = Record<string, unknown>> {
  readonly workerId: string;
  readonly taskType: string;
  readonly domain: string | null;
  readonly queueName: string;
  readonly concurrency: number;
  private readonly shutdownDeadlineMs: number;
  private readonly connection: WorkerConnection;
  private readonly deliveries: TaskDeliveries<I, O>;
  private readonly heartbeats: WorkerHeartbeats;
  private readonly log: (message: string) => void;
  private phase: Phase = 'idle';
  private stopping?: Promise<StopReport>;

  constructor(options: TaskWorkerOptions<I, O>) {
    this.taskType = options.taskType;
    this.domain = options.domain ?? null;
    // The default queue's name is the task type alone: it too must fit AMQP's 255 bytes.
    const taskTypeProblem = nameProblem(this.taskType) ?? (this.domain === null ? queueNameProblem(this.taskType, null) : null);
    if (taskTypeProblem !== null) throw new Error(`worker for ${taskQueueName(this.taskType, this.domain)}: ${taskTypeProblem}`);
    const domainProblem = this.domain === null ? null : workerDomainProblem(this.taskType, this.domain);
    if (domainProblem !== null) throw new Error(`worker for ${this.taskType}: domain "${this.domain}" ${domainProblem}`);
    this.concurrency = options.concurrency ?? 1;
    const heartbeatIntervalMs = options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
    this.shutdownDeadlineMs = options.shutdownDeadlineMs ?? DEFAULT_SHUTDOWN_DEADLINE_MS;
    const startTimeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
    const reconnectPolicy: ReconnectPolicy = { ...DEFAULT_RECONNECT_POLICY, ...options.reconnect };
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1) throw new Error(`concurrency must be a whole number, 1 or more (got ${this.concurrency})`);
    if (!(heartbeatIntervalMs > 0)) throw new Error(`heartbeatIntervalMs must be above 0 (got ${heartbeatIntervalMs})`);
    if (!(this.shutdownDeadlineMs >= 0)) throw new Error(`shutdownDeadlineMs must be 0 or more (got ${this.shutdownDeadlineMs})`);
    if (!(startTimeoutMs > 0)) throw new Error(`startTimeoutMs must be above 0 (got ${startTimeoutMs})`);
    this.workerId = options.workerId ?? defaultWorkerId();
    this.queueName = taskQueueName(this.taskType, this.domain);
    // Turnout would dead-letter every heartbeat and refuse every result naming it.
    const workerIdError = workerIdProblem(this.workerId);
    if (workerIdError !== null) throw new Error(`worker for ${this.queueName}: workerId ${workerIdError}`);
    const log = (message: string): void => options.log?.(message);
    const superseded = new SupersededTasks();
    this.deliveries = new TaskDeliveries({
      workerId: this.workerId,
      queueName: this.queueName,
      domain: this.domain,
      execute: options.execute,
      superseded,
      reportStartAfterMs: options.reportStartAfterMs ?? DEFAULT_REPORT_START_AFTER_MS,
      log,
    });
    const supersededFeed = new SupersededFeed({
      workerId: this.workerId,
      tasks: superseded,
      onSuperseded: (signal) => this.deliveries.supersede(signal),
      log,
    });
    this.heartbeats = new WorkerHeartbeats({
      taskType: this.taskType,
      domain: this.domain,
      workerId: this.workerId,
      intervalMs: heartbeatIntervalMs,
      session: () => this.connection.session,
      log,
    });
    this.connection = new WorkerConnection({
      amqpUrl: options.amqpUrl,
      workerId: this.workerId,
      queueName: this.queueName,
      concurrency: this.concurrency,
      startTimeoutMs,
      reconnect: reconnectPolicy,
      onMessage: (session, message) => this.onMessage(session, message),
      catchUp: (channel, publishChannel) => supersededFeed.catchUp(channel, publishChannel),
      confirmOpened: (session) => this.heartbeats.sendOn(session, false),
      onLost: (session) => this.deliveries.abandonOn(session),
      wanted: () => this.phase === 'running',
      log,
    });
    this.log = log;
  }

  /** Tasks whose result was confirmed and acknowledged (completed or failed alike). */
  get tasksCompleted(): number {
    return this.deliveries.completed;
  }

  /** Deliveries of attempts Turnout had superseded: acknowledged and never run (or stopped as they ran). */
  get tasksSkipped(): number {
    return this.deliveries.skipped;
  }

  /** How many times a lost connection was re-established. */
  get reconnections(): number {
    return this.connection.reconnections;
  }

  /** Tasks held right now. */
  get tasksHeld(): number {
    return this.deliveries.held;
  }

  /** Connects and starts consuming; rejects when the broker cannot be reached the first time. */
  async start(): Promise<void> {
    if (this.phase !== 'idle') throw new Error(`worker ${this.workerId} for ${this.queueName} was already started`);
    this.phase = 'running';
    let opened: boolean;
    try {
      opened = await this.connection.open();
    } catch (error) {
      this.phase = 'idle';
      throw error;
    }
    // Not opened: stop() came while connecting, found nothing to stop, and the session was closed again.
    if (!opened) return;
    this.heartbeats.start();
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
    this.connection.stopReconnecting();
    this.heartbeats.stop();
    const session = this.connection.session;
    if (session !== undefined && !session.lost) await session.consumeChannel.cancel(session.consumerTag).catch(ignore);
    const completedBefore = this.deliveries.completed;
    const returnedToQueue = await this.deliveries.finishWithin(this.shutdownDeadlineMs);
    await this.heartbeats.sendGone();
    this.phase = 'stopped';
    await this.connection.close();
    const report = { finished: this.deliveries.completed - completedBefore, returnedToQueue };
    this.log(`worker ${this.workerId} stopped consuming ${this.queueName}: finished ${report.finished}, returned ${report.returnedToQueue} to the queue`);
    return report;
  }

  private onMessage(session: BrokerSession, message: amqp.ConsumeMessage | null): void {
    if (message === null) {
      // The broker cancelled the consumer (the queue was deleted): reconnecting declares it again.
      this.log(`the broker cancelled consuming ${this.queueName}`);
      void session.connection.close().catch(ignore);
      return;
    }
    // Sent by the broker before it saw the cancel: not ours to run any more.
    if (this.phase !== 'running') this.deliveries.refuse(session, message);
    else this.deliveries.run(session, message);
  }
}
