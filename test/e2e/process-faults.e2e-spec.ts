/**
 * Turnout's promise under faults, on the real processes: a workflow started is
 * a workflow finished. Each test puts a batch of three-task runs in flight,
 * injects a fault (a router or an api SIGKILLed, the relay's holder killed
 * beside a second router, the broker or PostgreSQL cut from every process), and
 * checks from the event log and the workers what came of every accepted run:
 * completed, nothing lost, no step scheduled twice unless the attempt before it
 * failed or timed out, and how many tasks ran twice (what idempotent consumers
 * absorb). Each prints its figures in one line.
 */
import { Pool } from 'pg';
import { workflowStreamId } from '@turnout/domain';
import { TaskWorker } from '@turnout/worker';
import { type TestDatabase, amqpUrl, createTestDatabase, uniqueName } from '../support/services';
import { type TcpProxy, amqpTarget, postgresTarget, startTcpProxy, throughProxy } from '../support/tcp-proxy';
import { TurnoutClient } from '../support/turnout-client';
import { type TurnoutProcess, startTurnoutProcess } from '../support/turnout-process';
import { waitFor } from '../support/wait-for';

const STEPS = ['reserve', 'charge', 'ship'] as const;
/** Starts sent at once by the load (each a POST /api/workflow). */
const STARTS_AT_ONCE = 16;
const RUNS_TIMEOUT_MS = 120_000;

/** Every execution of a task id by the workers. */
interface Execution {
  workflowId: string;
  taskType: string;
  at: number;
}

/** What the workers executed, by task id. */
class Executions {
  private readonly byTask = new Map<string, Execution[]>();

  record(taskId: string, workflowId: string, taskType: string): void {
    const seen = this.byTask.get(taskId) ?? [];
    seen.push({ workflowId, taskType, at: Date.now() });
    this.byTask.set(taskId, seen);
  }

  get count(): number {
    let sum = 0;
    for (const seen of this.byTask.values()) sum += seen.length;
    return sum;
  }

  /** Task ids executed more than once. */
  doubled(): string[] {
    return [...this.byTask.entries()].filter(([, seen]) => seen.length > 1).map(([taskId]) => taskId);
  }

  /** Task ids executed again at or after `from` and before `to`. */
  doubledBetween(from: number, to = Infinity): string[] {
    return [...this.byTask.entries()].filter(([, seen]) => seen.slice(1).some(({ at }) => at >= from && at < to)).map(([taskId]) => taskId);
  }

  /** Steps of these runs that no worker ever executed. */
  neverExecuted(workflowIds: readonly string[], steps: number): number {
    const stepsRun = new Map<string, Set<string>>();
    for (const seen of this.byTask.values()) {
      const types = stepsRun.get(seen[0].workflowId) ?? new Set<string>();
      types.add(seen[0].taskType);
      stepsRun.set(seen[0].workflowId, types);
    }
    return workflowIds.reduce((sum, workflowId) => sum + (steps - (stepsRun.get(workflowId)?.size ?? 0)), 0);
  }
}

/** What the log says of a batch of runs. */
interface LogAudit {
  completed: number;
  /** Runs that ended otherwise, or not at all. */
  notCompleted: string[];
  /** A step scheduled again while its attempt before had neither failed nor timed out. */
  scheduledTwice: string[];
  /** A task attempt with more than one recorded result. */
  resultsTwice: string[];
  /** Steps scheduled again after a failure or timeout of the attempt before. */
  retries: number;
}

async function auditLog(db: Pool, workflowIds: readonly string[]): Promise<LogAudit> {
  const { rows } = await db.query<{ stream_id: string; type: string; data: any }>(
    'select stream_id, type, data from turnout_events where stream_id = any($1) order by stream_id, stream_version',
    [workflowIds.map(workflowStreamId)],
  );
  const streams = new Map<string, Array<{ type: string; data: any }>>();
  for (const row of rows) {
    const events = streams.get(row.stream_id) ?? [];
    events.push(row);
    streams.set(row.stream_id, events);
  }
  const audit: LogAudit = { completed: 0, notCompleted: [], scheduledTwice: [], resultsTwice: [], retries: 0 };
  for (const workflowId of workflowIds) {
    const events = streams.get(workflowStreamId(workflowId)) ?? [];
    if (events.some((event) => event.type === 'WorkflowCompleted')) audit.completed += 1;
    else audit.notCompleted.push(workflowId);
    // The last attempt of each step, and how it ended so far.
    const lastAttempt = new Map<string, { taskId: string; ended: string | null }>();
    const stepOf = new Map<string, string>();
    const results = new Map<string, number>();
    for (const { type, data } of events) {
      if (type === 'TaskScheduled') {
        const before = lastAttempt.get(data.referenceTaskName);
        if (before !== undefined) {
          if (before.ended === 'TaskFailed' || before.ended === 'TaskTimedOut') audit.retries += 1;
          else audit.scheduledTwice.push(`${workflowId} ${data.referenceTaskName} (attempt before: ${before.ended ?? 'open'})`);
        }
        lastAttempt.set(data.referenceTaskName, { taskId: data.taskId, ended: null });
        stepOf.set(data.taskId, data.referenceTaskName);
      } else if (type === 'TaskCompleted' || type === 'TaskFailed' || type === 'TaskTimedOut' || type === 'TaskCanceled') {
        const count = (results.get(data.taskId) ?? 0) + 1;
        results.set(data.taskId, count);
        if (count === 2) audit.resultsTwice.push(`${workflowId} ${data.taskId}`);
        const attempt = lastAttempt.get(stepOf.get(data.taskId) ?? '');
        if (attempt !== undefined && attempt.taskId === data.taskId) attempt.ended = type;
      }
    }
  }
  return audit;
}

/** Runs started through the api, or not: a start with no 200 is followed up by its correlation id. */
class Starts {
  readonly accepted: string[] = [];
  /** Correlation ids of starts that got no answer, or one that was not a 200. */
  readonly unanswered: string[] = [];
  private next = 0;

  constructor(
    private readonly workflowName: string,
    private readonly label: string,
  ) {}

  /**
   * Sends starts, `atOnce` at a time, to whichever api `target` names
   * then, until `count` were accepted. A start that fails is not sent again
   * (its fate is for the test to find); the next waits a moment, as a client backs off.
   */
  async until(count: number, target: () => TurnoutClient, atOnce = STARTS_AT_ONCE): Promise<void> {
    const starter = async () => {
      while (this.accepted.length < count) {
        const correlationId = `${this.label}-${(this.next += 1)}`;
        const answered = await target()
          .request('POST', '/api/workflow', { name: this.workflowName, version: 1, input: {}, correlationId })
          .catch(() => undefined);
        if (answered?.status === 200) this.accepted.push(answered.body as string);
        else {
          this.unanswered.push(correlationId);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    };
    await Promise.all(Array.from({ length: atOnce }, starter));
  }
}

/** What came of the starts that got no 200: those in the log, and whether each is whole (its start and first task in one append). */
async function unansweredStarts(db: Pool, correlationIds: readonly string[]): Promise<{ existing: string[]; half: string[] }> {
  const { rows } = await db.query<{ stream_id: string; transactions: string; types: string[] }>(
    `select s.stream_id, count(distinct e.transaction_id) as transactions, array_agg(e.type order by e.stream_version) as types
       from turnout_events s join turnout_events e on e.stream_id = s.stream_id and e.stream_version <= 2
      where s.type = 'WorkflowStarted' and s.data->>'correlationId' = any($1)
      group by s.stream_id`,
    [correlationIds],
  );
  const existing = rows.map((row) => row.stream_id.slice(workflowStreamId('').length));
  const half = rows
    .filter((row) => Number(row.transactions) !== 1 || row.types.join() !== 'WorkflowStarted,TaskScheduled')
    .map((row) => row.stream_id);
  return { existing, half };
}

/** Conductor's HTTP workers: each polls a task type in batches through whichever api `target` names then, and completes what it gets. */
function httpPollers(taskTypes: string[], executions: Executions, target: () => TurnoutClient, perTaskType: number): { stop(): Promise<void> } {
  let running = true;
  const backOff = () => new Promise((resolve) => setTimeout(resolve, 100));
  const poller = async (taskType: string, workerId: string) => {
    while (running) {
      const polled = await target()
        .request('GET', `/api/tasks/poll/batch/${taskType}?workerid=${workerId}&count=10&timeout=200`)
        .catch(() => undefined);
      if (polled?.status !== 200) {
        await backOff();
        continue;
      }
      for (const task of polled.body as Array<{ taskId: string; workflowInstanceId: string; taskType: string }>) {
        executions.record(task.taskId, task.workflowInstanceId, task.taskType);
        const result = { taskId: task.taskId, workflowInstanceId: task.workflowInstanceId, status: 'COMPLETED', outputData: { done: taskType }, workerId };
        // A worker whose result got no answer sends it again (the router records it once).
        while (running && (await target().request('POST', '/api/tasks', result).catch(() => undefined))?.status !== 200) await backOff();
      }
    }
  };
  const polling = taskTypes.flatMap((taskType) => Array.from({ length: perTaskType }, (_, index) => poller(taskType, `http-${taskType}-${index}`)));
  return {
    async stop() {
      running = false;
      await Promise.all(polling);
    },
  };
}

describe('Turnout under process, broker and database faults', () => {
  let database: TestDatabase | undefined;
  let db: Pool | undefined;
  let broker: string;
  let env: Record<string, string>;
  const processes: TurnoutProcess[] = [];
  const workers: TaskWorker[] = [];
  const proxies: TcpProxy[] = [];

  beforeEach(async () => {
    database = await createTestDatabase('e2e_faults');
    db = new Pool({ connectionString: database.url, max: 2 });
    broker = await amqpUrl();
    env = { DATABASE_URL: database.url, AMQP_URL: broker, PRESENCE_REFRESH_MS: '100', RELAY_POLL_MS: '200', TIMER_POLL_MS: '200' };
  });

  afterEach(async () => {
    await Promise.allSettled(workers.splice(0).map((worker) => worker.stop()));
    await Promise.allSettled(processes.splice(0).map((started) => started.kill('SIGKILL')));
    await Promise.allSettled(proxies.splice(0).map((proxy) => proxy.close()));
    await db?.end();
    await database?.drop();
  }, 60_000);

  async function start(name: 'api' | 'router'): Promise<TurnoutProcess> {
    const started = await startTurnoutProcess(name, env);
    processes.push(started);
    return started;
  }

  /** Kills one process the way a crash would. */
  async function crash(started: TurnoutProcess): Promise<void> {
    await started.kill('SIGKILL');
    processes.splice(processes.indexOf(started), 1);
  }

  /** A three-step workflow of task types of its own, and its task definitions. */
  async function threeStepWorkflow(api: TurnoutClient, taskDef: Record<string, unknown> = {}): Promise<{ name: string; taskTypes: string[] }> {
    const name = uniqueName('faults_flow');
    const taskTypes = STEPS.map((step) => uniqueName(step));
    const defs = await api.request(
      'POST',
      '/api/metadata/taskdefs',
      taskTypes.map((taskType) => ({ name: taskType, retryCount: 2, retryDelaySeconds: 0, ...taskDef })),
    );
    if (defs.status !== 200) throw new Error(`registering task definitions failed: ${defs.status} ${JSON.stringify(defs.body)}`);
    await api.registerWorkflow(name, taskTypes);
    return { name, taskTypes };
  }

  /** SDK workers for each task type, straight on the broker, recording every execution. */
  async function amqpWorkers(taskTypes: string[], executions: Executions, { concurrency, taskMs }: { concurrency: number; taskMs: number }): Promise<void> {
    for (const taskType of taskTypes) {
      const worker = new TaskWorker({
        amqpUrl: broker,
        taskType,
        concurrency,
        shutdownDeadlineMs: 0,
        reconnect: { initialDelayMs: 100, maxDelayMs: 1_000 },
        execute: async (task) => {
          executions.record(task.taskId, task.workflowInstanceId, task.taskType);
          await new Promise((resolve) => setTimeout(resolve, taskMs));
          return { done: task.taskType };
        },
        log: () => undefined,
      });
      workers.push(worker);
      await worker.start();
    }
  }

  async function completedCount(workflowIds: readonly string[]): Promise<number> {
    const { rows } = await db!.query<{ completed: string }>(
      `select count(*) as completed from turnout_events where type = 'WorkflowCompleted' and stream_id = any($1)`,
      [workflowIds.map(workflowStreamId)],
    );
    return Number(rows[0].completed);
  }

  /** Waits for every run to complete; on a deadline, says which did not and what the processes printed. */
  async function allCompleted(workflowIds: readonly string[], what: string): Promise<void> {
    await waitFor(`all ${workflowIds.length} runs to complete ${what}`, async () => (await completedCount(workflowIds)) === workflowIds.length, {
      timeoutMs: RUNS_TIMEOUT_MS,
      intervalMs: 250,
    }).catch(async (error: Error) => {
      const audit = await auditLog(db!, workflowIds);
      const stuck = await Promise.all(
        audit.notCompleted.slice(0, 3).map(async (workflowId) =>
          JSON.stringify((await db!.query('select type, data from turnout_events where stream_id = $1 order by stream_version', [workflowStreamId(workflowId)])).rows),
        ),
      );
      const printed = processes.map((started) => `--- ${started.baseUrl} ---\n${started.output().slice(-4_000)}`);
      throw new Error(`${error.message}: ${audit.completed} completed\n--- not completed ---\n${stuck.join('\n')}\n${printed.join('\n')}`);
    });
  }

  it('completes every accepted run after the router is SIGKILLed with a thousand runs in flight and restarted', async () => {
    const RUNS = 1_200;
    await start('api');
    let router = await start('router');
    const apiProcess = processes[0];
    const api = new TurnoutClient(apiProcess.baseUrl);
    const { name, taskTypes } = await threeStepWorkflow(api);
    const executions = new Executions();
    const starts = new Starts(name, uniqueName('router_kill'));

    // The runs go in first and the workers after, so the batch is in flight when the router dies.
    await starts.until(RUNS, () => api);
    await amqpWorkers(taskTypes, executions, { concurrency: 8, taskMs: 5 });
    await waitFor('a sixth of the tasks executed', () => executions.count >= RUNS / 2, { timeoutMs: RUNS_TIMEOUT_MS });
    const inFlightAtKill = starts.accepted.length - (await completedCount(starts.accepted));
    const executedAtKill = executions.count;
    const killedAt = Date.now();
    await crash(router);
    router = await start('router');
    await allCompleted(starts.accepted, 'after the router was killed and restarted');

    const audit = await auditLog(db!, starts.accepted);
    const doubled = executions.doubled();
    const lost = executions.neverExecuted(starts.accepted, taskTypes.length) + audit.notCompleted.length;
    console.log(
      `router SIGKILL figures: ${JSON.stringify({
        runsInFlightAtKill: inFlightAtKill,
        tasksExecutedAtKill: executedAtKill,
        faults: 'router SIGKILL x1, restarted',
        accepted: starts.accepted.length,
        completed: audit.completed,
        lost,
        doubledExecutions: doubled.length,
        scheduledTwice: audit.scheduledTwice.length,
        resultsRecordedTwice: audit.resultsTwice.length,
        retries: audit.retries,
        secondsAfterKill: (Date.now() - killedAt) / 1000,
      })}`,
    );
    expect(inFlightAtKill).toBeGreaterThanOrEqual(1_000);
    expect(audit.completed).toBe(starts.accepted.length);
    expect(lost).toBe(0);
    expect(audit.scheduledTwice).toEqual([]);
    expect(audit.resultsTwice).toEqual([]);
  }, RUNS_TIMEOUT_MS + 60_000);
  it('completes every start answered 200 after the api is SIGKILLed during starts and polls; a start with no answer exists whole or not at all', async () => {
    // HTTP workers go slower than AMQP ones (a poll and a result each hold a task): fewer runs.
    const RUNS = 300;
    await start('router');
    let apiProcess = await start('api');
    let api = new TurnoutClient(apiProcess.baseUrl);
    // A task a poll took as the api died is held for a worker that never got it: it times out and runs again.
    const { name, taskTypes } = await threeStepWorkflow(api, { responseTimeoutSeconds: 5 });
    const executions = new Executions();
    const starts = new Starts(name, uniqueName('api_kill'));
    const pollers = httpPollers(taskTypes, executions, () => api, 5);
    try {
      // Fewer starts at once, so that the api dies with starts and polls both under way.
      const starting = starts.until(RUNS, () => api, 4);
      await waitFor('a third of the runs started and tasks polled', () => starts.accepted.length >= RUNS / 3 && executions.count >= 30, {
        timeoutMs: RUNS_TIMEOUT_MS,
      });
      const acceptedAtKill = starts.accepted.length;
      const inFlightAtKill = acceptedAtKill - (await completedCount(starts.accepted));
      const executedAtKill = executions.count;
      const unansweredBefore = starts.unanswered.length;
      const killedAt = Date.now();
      await crash(apiProcess);
      apiProcess = await start('api');
      api = new TurnoutClient(apiProcess.baseUrl);
      await starting;
      const { existing, half } = await unansweredStarts(db!, starts.unanswered);
      const runs = [...starts.accepted, ...existing];
      await allCompleted(runs, 'after the api was killed and restarted');

      const audit = await auditLog(db!, runs);
      const lost = executions.neverExecuted(runs, taskTypes.length) + audit.notCompleted.length;
      const doubled = executions.doubled();
      console.log(
        `api SIGKILL figures: ${JSON.stringify({
          runsAcceptedAtKill: acceptedAtKill,
          runsInFlightAtKill: inFlightAtKill,
          tasksExecutedAtKill: executedAtKill,
          faults: 'api SIGKILL x1, restarted',
          accepted: starts.accepted.length,
          unanswered: starts.unanswered.length,
          unansweredBeforeKill: unansweredBefore,
          unansweredThatExist: existing.length,
          half: half.length,
          completed: audit.completed,
          lost,
          doubledExecutions: doubled.length,
          retriesAfterTimeout: audit.retries,
          scheduledTwice: audit.scheduledTwice.length,
          resultsRecordedTwice: audit.resultsTwice.length,
          secondsAfterKill: (Date.now() - killedAt) / 1000,
        })}`,
      );
      expect(half).toEqual([]);
      expect(audit.completed).toBe(runs.length);
      expect(lost).toBe(0);
      expect(audit.scheduledTwice).toEqual([]);
      expect(audit.resultsTwice).toEqual([]);
      // A task that ran twice was taken by a poll that died with the api: its attempt timed out and was run again.
      expect(doubled.length).toBeLessThanOrEqual(audit.retries);
    } finally {
      await pollers.stop();
    }
  }, RUNS_TIMEOUT_MS + 60_000);
  it('with two apis and two routers, one of each killed, the relay is taken over within seconds and every accepted run completes', async () => {
    const RUNS = 600;
    const RELAY_ACTIVE = /outbox relay \(subscription [^)]*\) active/;
    // The first router takes the relay's lock; the second waits for it.
    const holder = await start('router');
    await waitFor('the first router to hold the relay', () => RELAY_ACTIVE.test(holder.output()));
    const survivor = await start('router');
    const apis = [await start('api'), await start('api')].map((started) => ({ started, client: new TurnoutClient(started.baseUrl), alive: true }));
    let turn = 0;
    // As a balancer does: each start to the next api still alive.
    const balanced = () => {
      const live = apis.filter((api) => api.alive);
      return live[(turn += 1) % live.length].client;
    };
    const { name, taskTypes } = await threeStepWorkflow(apis[0].client);
    const executions = new Executions();
    const starts = new Starts(name, uniqueName('two_of_each'));
    await amqpWorkers(taskTypes, executions, { concurrency: 8, taskMs: 5 });

    const starting = starts.until(RUNS, balanced);
    await waitFor('a third of the runs started', () => starts.accepted.length >= RUNS / 3, { timeoutMs: RUNS_TIMEOUT_MS });
    const acceptedAtKill = starts.accepted.length;
    const inFlightAtKill = acceptedAtKill - (await completedCount(starts.accepted));
    const executedAtKill = executions.count;
    const survivorPrinted = survivor.output().length;
    const killedAt = Date.now();
    apis[1].alive = false;
    await Promise.all([crash(apis[1].started), crash(holder)]);
    await waitFor('the other router to take the relay over', () => RELAY_ACTIVE.test(survivor.output().slice(survivorPrinted)), { timeoutMs: 30_000 });
    const takeoverSeconds = (Date.now() - killedAt) / 1000;
    await starting;
    const { existing, half } = await unansweredStarts(db!, starts.unanswered);
    const runs = [...starts.accepted, ...existing];
    await allCompleted(runs, 'after an api and the relay\'s router were killed');

    const audit = await auditLog(db!, runs);
    const lost = executions.neverExecuted(runs, taskTypes.length) + audit.notCompleted.length;
    const doubled = executions.doubled();
    console.log(
      `two apis and two routers figures: ${JSON.stringify({
        runsInFlightAtKill: inFlightAtKill,
        tasksExecutedAtKill: executedAtKill,
        faults: 'api SIGKILL x1 and the relay-holding router SIGKILL x1, at once',
        relayTakeoverSeconds: takeoverSeconds,
        accepted: starts.accepted.length,
        unanswered: starts.unanswered.length,
        unansweredThatExist: existing.length,
        half: half.length,
        completed: audit.completed,
        lost,
        publishedTwiceAndExecutedTwice: doubled.length,
        scheduledTwice: audit.scheduledTwice.length,
        resultsRecordedTwice: audit.resultsTwice.length,
        secondsAfterKill: (Date.now() - killedAt) / 1000,
      })}`,
    );
    expect(takeoverSeconds).toBeLessThan(10);
    expect(half).toEqual([]);
    expect(audit.completed).toBe(runs.length);
    expect(lost).toBe(0);
    // A task published twice ran twice at most, and was recorded once: what the idempotent router absorbs.
    expect(audit.scheduledTwice).toEqual([]);
    expect(audit.resultsTwice).toEqual([]);
  }, RUNS_TIMEOUT_MS + 60_000);
  it('reconnects every process after the broker and then PostgreSQL are cut from them and restored; /health says which is down meanwhile; nothing accepted is lost', async () => {
    const RUNS = 400;
    // Between Turnout and each server (the workers and the test reach both directly).
    const brokerProxy = await startTcpProxy(amqpTarget(broker));
    const postgresProxy = await startTcpProxy(postgresTarget(database!.url));
    proxies.push(brokerProxy, postgresProxy);
    env = { ...env, AMQP_URL: throughProxy(broker, brokerProxy), DATABASE_URL: throughProxy(database!.url, postgresProxy) };
    await start('router');
    const api = new TurnoutClient((await start('api')).baseUrl);
    const { name, taskTypes } = await threeStepWorkflow(api);
    const executions = new Executions();
    const starts = new Starts(name, uniqueName('cuts'));
    await amqpWorkers(taskTypes, executions, { concurrency: 8, taskMs: 5 });
    const health = async () => {
      const answer = await api.request('GET', '/health');
      return { code: answer.status, postgres: answer.body?.components?.postgres?.status, rabbitmq: answer.body?.components?.rabbitmq?.status };
    };
    const healthIs = (what: string, expected: { code: number; postgres: string; rabbitmq: string }) =>
      waitFor(`/health to answer ${what}`, async () => {
        const answer = await health();
        return answer.code === expected.code && answer.postgres === expected.postgres && answer.rabbitmq === expected.rabbitmq ? answer : undefined;
      }, { timeoutMs: 30_000 });
    expect(await health()).toEqual({ code: 200, postgres: 'UP', rabbitmq: 'UP' });

    const starting = starts.until(RUNS, () => api, 4);
    await waitFor('a quarter of the runs started', () => starts.accepted.length >= RUNS / 4, { timeoutMs: RUNS_TIMEOUT_MS });
    const figures: Record<string, unknown> = { runsInFlightAtBrokerCut: starts.accepted.length - (await completedCount(starts.accepted)) };

    // The broker goes: starts still go into the log; tasks wait for the relay to reconnect.
    const brokerCutAt = Date.now();
    brokerProxy.cut();
    await healthIs('503 naming RabbitMQ', { code: 503, postgres: 'UP', rabbitmq: 'DOWN' });
    const acceptedAtBrokerCut = starts.accepted.length;
    await waitFor('starts accepted while the broker is cut', () => starts.accepted.length >= acceptedAtBrokerCut + 20, { timeoutMs: 30_000 });
    brokerProxy.restore();
    await healthIs('200 once the broker is back', { code: 200, postgres: 'UP', rabbitmq: 'UP' });
    figures.brokerOutageSeconds = (Date.now() - brokerCutAt) / 1000;
    figures.startsAcceptedDuringBrokerCut = starts.accepted.length - acceptedAtBrokerCut;

    // Then PostgreSQL goes: starts fail (nothing half-written), results wait in their queue.
    await waitFor('a half of the runs started', () => starts.accepted.length >= RUNS / 2, { timeoutMs: RUNS_TIMEOUT_MS });
    figures.runsInFlightAtPostgresCut = starts.accepted.length - (await completedCount(starts.accepted));
    const postgresCutAt = Date.now();
    const unansweredAtPostgresCut = starts.unanswered.length;
    postgresProxy.cut();
    await healthIs('503 naming PostgreSQL', { code: 503, postgres: 'DOWN', rabbitmq: 'UP' });
    await waitFor('starts refused while PostgreSQL is cut', () => starts.unanswered.length >= unansweredAtPostgresCut + 8, { timeoutMs: 30_000 });
    postgresProxy.restore();
    await healthIs('200 once PostgreSQL is back', { code: 200, postgres: 'UP', rabbitmq: 'UP' });
    figures.postgresOutageSeconds = (Date.now() - postgresCutAt) / 1000;

    await starting;
    const { existing, half } = await unansweredStarts(db!, starts.unanswered);
    const runs = [...starts.accepted, ...existing];
    await allCompleted(runs, 'after the broker and PostgreSQL were cut and restored');
    const audit = await auditLog(db!, runs);
    const lost = executions.neverExecuted(runs, taskTypes.length) + audit.notCompleted.length;
    const doubled = executions.doubled();
    console.log(
      `broker and PostgreSQL cut figures: ${JSON.stringify({
        ...figures,
        faults: 'broker cut x1 and PostgreSQL cut x1, every Turnout connection severed and new ones refused until restored',
        brokerConnectionsAccepted: brokerProxy.accepted,
        postgresConnectionsAccepted: postgresProxy.accepted,
        accepted: starts.accepted.length,
        unanswered: starts.unanswered.length,
        unansweredThatExist: existing.length,
        half: half.length,
        completed: audit.completed,
        lost,
        doubledExecutions: doubled.length,
        doubledAfterBrokerCut: executions.doubledBetween(brokerCutAt, postgresCutAt).length,
        doubledAfterPostgresCut: executions.doubledBetween(postgresCutAt).length,
        scheduledTwice: audit.scheduledTwice.length,
        resultsRecordedTwice: audit.resultsTwice.length,
        retries: audit.retries,
        secondsAfterFirstCut: (Date.now() - brokerCutAt) / 1000,
      })}`,
    );
    expect(half).toEqual([]);
    expect(audit.completed).toBe(runs.length);
    expect(lost).toBe(0);
    expect(audit.scheduledTwice).toEqual([]);
    expect(audit.resultsTwice).toEqual([]);
    // Only a cut explains a task run twice.
    expect(executions.doubledBetween(0, brokerCutAt)).toEqual([]);
  }, RUNS_TIMEOUT_MS + 120_000);
});
