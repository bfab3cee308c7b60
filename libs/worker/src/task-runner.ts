import { type BrokerUrls, otlpEndpointOf } from '@turnout/config';
import { taskQueueName } from '@turnout/domain';
import type { ReconnectPolicy } from '@turnout/messaging';
import { activeTracing, startTracing } from '@turnout/tracing';
import { DEFAULT_SHUTDOWN_DEADLINE_MS, type StopReport, TaskWorker } from './task-worker';
import { type AnyWorkerDefinition, isWorkerDefinition } from './worker-definition';
import { type WorkerDomainRule, resolveWorkerDomain } from './worker-domain';
import { defaultWorkerId } from './worker-id';
import { workerDefinitionsOf } from './worker-task.decorator';

export interface TaskRunnerOptions {
  /** One broker URL, or a cluster's nodes (a comma-separated string or a list): the first that answers is used, the next after a loss. */
  amqpUrl: BrokerUrls;
  /** Plain-object workers (`defineWorker`) and objects whose methods carry `@WorkerTask`. */
  workers: ReadonlyArray<AnyWorkerDefinition | object>;
  /** Task type to the one domain its worker polls (rule 3 of resolveWorkerDomain). */
  taskToDomain?: Readonly<Record<string, string>>;
  /** One id for all of this runner's workers (default: host name and a random suffix). */
  workerId?: string;
  heartbeatIntervalMs?: number;
  /** On stop, how long held tasks may take to finish before they go back to the queue. */
  shutdownDeadlineMs?: number;
  /** How long one attempt to start a worker may take before it is tried afresh (default 10 s). */
  startTimeoutMs?: number;
  /** A task still running this long after it was taken is reported IN_PROGRESS (default 1 s; 0: at once). */
  reportStartAfterMs?: number;
  reconnect?: Partial<ReconnectPolicy>;
  /** Where the domain settings and OTEL_EXPORTER_OTLP_ENDPOINT are read (default: process.env). */
  environment?: Readonly<Record<string, string | undefined>>;
  /**
   * Stop gracefully on SIGTERM and SIGINT, then exit the process: for a runner
   * that is the whole program, as in the examples. Off by default: a library
   * does not own the process unless asked to.
   */
  handleSignals?: boolean;
  /** Default: console.log with a `[turnout-worker]` prefix. */
  log?: (message: string) => void;
}

/** What the runner decided for one task type, as logged at start. */
export interface WorkerAssignment {
  taskType: string;
  domain: string | null;
  queueName: string;
  rule: WorkerDomainRule;
  source: string;
  concurrency: number;
}

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/** If closing the connections hangs past the deadline, the process still ends this much later. */
const EXIT_GRACE_MS = 5_000;

/**
 * Runs a set of workers, one per task type. At start it decides each worker's
 * domain by Conductor's precedence (resolveWorkerDomain), refuses a list or
 * NO_DOMAIN before connecting anything, and logs what each task type polls and why.
 */
export class TaskRunner {
  readonly workerId: string;
  private readonly definitions: AnyWorkerDefinition[];
  private readonly log: (message: string) => void;
  private workers: TaskWorker<unknown, object | void>[] = [];
  private decided: WorkerAssignment[] = [];
  private readonly signalListeners = new Map<NodeJS.Signals, () => void>();

  constructor(private readonly options: TaskRunnerOptions) {
    this.workerId = options.workerId ?? defaultWorkerId();
    this.log = options.log ?? ((message) => console.log(`[turnout-worker] ${message}`));
    this.definitions = options.workers.flatMap((worker) => {
      if (isWorkerDefinition(worker)) return [worker];
      const declared = workerDefinitionsOf(worker);
      if (declared.length === 0) {
        throw new Error(`${(worker.constructor as Function | undefined)?.name ?? 'an object'}: neither a worker definition ({ taskType, execute }) nor an object with @WorkerTask methods`);
      }
      return declared;
    });
    const taskTypes = new Set<string>();
    for (const { taskType } of this.definitions) {
      if (taskTypes.has(taskType)) {
        throw new Error(`two workers for ${taskType}: a runner runs one worker per task type (raise its concurrency instead)`);
      }
      taskTypes.add(taskType);
    }
  }

  /** Each task type's queue and the rule that chose its domain; known once start() has run. */
  get assignments(): readonly WorkerAssignment[] {
    return this.decided;
  }

  get taskWorkers(): readonly TaskWorker<unknown, object | void>[] {
    return this.workers;
  }

  /** Decides every domain first (so a bad setting connects nothing), then starts every worker. */
  async start(): Promise<void> {
    if (this.workers.length > 0) throw new Error('this runner was already started');
    const environment = this.options.environment ?? process.env;
    // With an OTLP endpoint, each task's execution is a span in its run's trace (the process's tracing, started once).
    startTracing(otlpEndpointOf(environment), 'turnout-worker');
    const planned = this.definitions.map((definition) => {
      const choice = resolveWorkerDomain({
        taskType: definition.taskType,
        environment,
        runnerTaskToDomain: this.options.taskToDomain,
        declaredDomain: definition.domain,
      });
      const assignment: WorkerAssignment = {
        taskType: definition.taskType,
        domain: choice.domain,
        queueName: taskQueueName(definition.taskType, choice.domain),
        rule: choice.rule,
        source: choice.source,
        concurrency: definition.concurrency ?? 1,
      };
      return { definition, assignment };
    });
    for (const taskType of Object.keys(this.options.taskToDomain ?? {})) {
      if (!planned.some(({ assignment }) => assignment.taskType === taskType)) {
        this.log(`taskToDomain names ${taskType}, which no worker of this runner handles; ignored`);
      }
    }
    const workers = planned.map(
      ({ definition, assignment }) =>
        new TaskWorker({
          amqpUrl: this.options.amqpUrl,
          taskType: assignment.taskType,
          domain: assignment.domain,
          workerId: this.workerId,
          concurrency: assignment.concurrency,
          heartbeatIntervalMs: this.options.heartbeatIntervalMs,
          shutdownDeadlineMs: this.options.shutdownDeadlineMs,
          startTimeoutMs: this.options.startTimeoutMs,
          reportStartAfterMs: this.options.reportStartAfterMs,
          reconnect: this.options.reconnect,
          execute: definition.execute,
          log: (message) => this.log(`${assignment.taskType}: ${message}`),
        }),
    );
    this.decided = planned.map(({ assignment }) => assignment);
    for (const assignment of this.decided) this.log(describeAssignment(assignment));
    try {
      for (const worker of workers) {
        await worker.start();
        this.workers.push(worker);
      }
    } catch (error) {
      await Promise.allSettled(this.workers.map((worker) => worker.stop()));
      this.workers = [];
      throw error;
    }
    if (this.options.handleSignals === true) this.listenForSignals();
    this.log(`worker ${this.workerId} started ${this.workers.length} worker(s)`);
  }

  /** Stops every worker gracefully (see TaskWorker.stop) and sums up what they did. */
  async stop(): Promise<StopReport> {
    for (const [signal, listener] of this.signalListeners) process.off(signal, listener);
    this.signalListeners.clear();
    const reports = await Promise.all(this.workers.map((worker) => worker.stop()));
    await activeTracing()?.flush();
    return reports.reduce(
      (total, report) => ({ finished: total.finished + report.finished, returnedToQueue: total.returnedToQueue + report.returnedToQueue }),
      { finished: 0, returnedToQueue: 0 },
    );
  }

  private listenForSignals(): void {
    let stopping = false;
    for (const signal of SIGNALS) {
      const listener = (): void => {
        // `npm run` passes a terminal's Ctrl-C on as a second signal: one stop is enough, and the deadline bounds it.
        if (stopping) {
          this.log(`${signal} again: already stopping`);
          return;
        }
        stopping = true;
        const shutdownDeadlineMs = this.options.shutdownDeadlineMs ?? DEFAULT_SHUTDOWN_DEADLINE_MS;
        this.log(`${signal}: taking no new tasks; finishing held ones for up to ${shutdownDeadlineMs} ms`);
        const deadlineMs = shutdownDeadlineMs + EXIT_GRACE_MS;
        setTimeout(() => {
          this.log(`still stopping ${deadlineMs} ms after ${signal}; exiting anyway (the broker requeues what is unacknowledged)`);
          process.exit(1);
        }, deadlineMs).unref();
        void this.stop().then(
          (report) => {
            this.log(`stopped: ${report.finished} finished, ${report.returnedToQueue} returned to the queue; exiting`);
            process.exit(0);
          },
          (error: unknown) => {
            this.log(`stopping failed: ${error instanceof Error ? error.message : String(error)}`);
            process.exit(1);
          },
        );
      };
      this.signalListeners.set(signal, listener);
      process.on(signal, listener);
    }
  }
}

function describeAssignment({ taskType, domain, queueName, rule, source, concurrency }: WorkerAssignment): string {
  const polled = domain === null ? 'no domain' : `domain ${domain}`;
  return `${taskType} polls ${queueName} (${polled}; rule ${rule}: ${source}; concurrency ${concurrency})`;
}
