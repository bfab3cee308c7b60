/**
 * The worker SDK (libs/worker) against the real RabbitMQ and the running api
 * and router: domain precedence, sharing a queue by capacity, failure
 * reporting, reconnecting after the broker connection drops mid-task, and
 * starting against a broker that stalls.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { Client } from 'pg';
import { workflowStreamId } from '@turnout/domain';
import { type Task, type TaskContext, TaskRunner, TaskWorker, TerminalTaskError, WorkerTask, defineWorker } from '@turnout/worker';
import { type BrokerQueues, connectBrokerQueues } from '../support/broker-queues';
import { type TestDatabase, amqpUrl, createTestDatabase, uniqueName } from '../support/services';
import { amqpTarget, startTcpProxy, throughProxy } from '../support/tcp-proxy';
import { TurnoutClient } from '../support/turnout-client';
import { type RunningTurnout, startTurnout } from '../support/turnout-process';
import { waitFor } from '../support/wait-for';

describe('the worker SDK, with the api and router running', () => {
  let database: TestDatabase;
  let broker: string;
  let turnout: RunningTurnout;
  let api: TurnoutClient;
  let db: Client;
  let queues: BrokerQueues;
  const stoppables: Array<{ stop(): Promise<unknown> }> = [];
  const queuesMade = new Set<string>();

  beforeAll(async () => {
    database = await createTestDatabase('e2e_worker_sdk');
    broker = await amqpUrl();
    turnout = await startTurnout({ DATABASE_URL: database.url, AMQP_URL: broker, PRESENCE_REFRESH_MS: '100', RELAY_POLL_MS: '200' });
    api = new TurnoutClient(turnout.baseUrl);
    db = new Client({ connectionString: database.url });
    await db.connect();
    queues = await connectBrokerQueues(broker);
  });

  afterAll(async () => {
    await Promise.allSettled(stoppables.map((stoppable) => stoppable.stop()));
    await turnout?.stop();
    await queues?.deleteQueues(queuesMade);
    await queues?.close();
    await db?.end();
    await database?.drop();
  });

  /** Starts and remembers a worker or runner, so that afterAll stops it and deletes its queues. */
  async function started<T extends TaskWorker<any, any> | TaskRunner>(worker: T): Promise<T> {
    stoppables.push(worker);
    await worker.start();
    const queueNames = worker instanceof TaskRunner ? worker.assignments.map((assignment) => assignment.queueName) : [worker.queueName];
    for (const queueName of queueNames) queuesMade.add(queueName);
    return worker;
  }

  const ended = (workflowId: string, timeoutMs?: number) =>
    waitFor(
      `workflow ${workflowId} to end`,
      async () => {
        const workflow = await api.workflow(workflowId);
        return workflow.status === 'RUNNING' ? undefined : workflow;
      },
      { timeoutMs },
    );

  const eventTypes = async (workflowId: string): Promise<string[]> =>
    (await db.query('select type from turnout_events where stream_id = $1 order by stream_version', [workflowStreamId(workflowId)])).rows.map(
      (row: { type: string }) => row.type,
    );

  it("polls the domain Conductor's precedence chooses, logs the rule, and runs the tasks routed there", async () => {
    const [taskEnv, taskDotted, taskAll, taskMap, taskDeclared, taskNone] = ['env', 'dotted', 'all', 'map', 'declared', 'none'].map((name) =>
      uniqueName(`precedence_${name}`),
    );
    const reportDomain = (task: Task<unknown>) => ({ polledDomain: task.domain });
    // Both ways of declaring a worker: decorated methods and plain objects.
    class DecoratedWorkers {
      @WorkerTask(taskDotted, { domain: 'declared' })
      dotted(task: Task<unknown>) {
        return reportDomain(task);
      }
    }
    class DecoratedDeclared {
      @WorkerTask(taskDeclared, { domain: 'declared' })
      declared(task: Task<unknown>) {
        return reportDomain(task);
      }
    }
    const logged: string[] = [];
    const log = (message: string) => logged.push(message);

    // Levels 1 and 2 (the environment) in one runner; levels 3 to 5 in another, whose environment is empty.
    const withSettings = await started(
      new TaskRunner({
        amqpUrl: broker,
        workers: [
          defineWorker({ taskType: taskEnv, domain: 'declared', execute: reportDomain }),
          defineWorker({ taskType: taskAll, domain: 'declared', execute: reportDomain }),
          new DecoratedWorkers(),
        ],
        taskToDomain: { [taskEnv]: 'from_map', [taskAll]: 'from_map' },
        environment: {
          [`CONDUCTOR_WORKER_${taskEnv.toUpperCase()}_DOMAIN`]: 'from_env',
          [`conductor.worker.${taskDotted}.domain`]: 'from_dotted',
          CONDUCTOR_WORKER_ALL_DOMAIN: 'from_all',
        },
        heartbeatIntervalMs: 500,
        log,
      }),
    );
    const withoutSettings = await started(
      new TaskRunner({
        amqpUrl: broker,
        workers: [
          defineWorker({ taskType: taskMap, domain: 'declared', execute: reportDomain }),
          new DecoratedDeclared(),
          defineWorker({ taskType: taskNone, execute: reportDomain }),
        ],
        taskToDomain: { [taskMap]: 'from_map' },
        environment: {},
        heartbeatIntervalMs: 500,
        log,
      }),
    );

    const decisions = [...withSettings.assignments, ...withoutSettings.assignments].map(({ taskType, queueName, rule }) => [taskType, queueName, rule]);
    expect(decisions).toEqual([
      [taskEnv, `${taskEnv}@from_env`, 'TASK_TYPE_SETTING'],
      [taskAll, `${taskAll}@from_all`, 'ALL_WORKERS_SETTING'],
      [taskDotted, `${taskDotted}@from_dotted`, 'TASK_TYPE_SETTING'],
      [taskMap, `${taskMap}@from_map`, 'RUNNER_TASK_TO_DOMAIN'],
      [taskDeclared, `${taskDeclared}@declared`, 'WORKER_DECLARATION'],
      [taskNone, taskNone, 'NOT_CONFIGURED'],
    ]);
    expect(logged).toEqual(
      expect.arrayContaining([
        `${taskEnv} polls ${taskEnv}@from_env (domain from_env; rule TASK_TYPE_SETTING: env CONDUCTOR_WORKER_${taskEnv.toUpperCase()}_DOMAIN; concurrency 1)`,
        `${taskDotted} polls ${taskDotted}@from_dotted (domain from_dotted; rule TASK_TYPE_SETTING: env conductor.worker.${taskDotted}.domain; concurrency 1)`,
        `${taskAll} polls ${taskAll}@from_all (domain from_all; rule ALL_WORKERS_SETTING: env CONDUCTOR_WORKER_ALL_DOMAIN; concurrency 1)`,
        `${taskMap} polls ${taskMap}@from_map (domain from_map; rule RUNNER_TASK_TO_DOMAIN: the runner's taskToDomain["${taskMap}"]; concurrency 1)`,
        `${taskDeclared} polls ${taskDeclared}@declared (domain declared; rule WORKER_DECLARATION: the worker declaration; concurrency 1)`,
        `${taskNone} polls ${taskNone} (no domain; rule NOT_CONFIGURED: no setting; concurrency 1)`,
      ]),
    );

    // A run routed to exactly those queues completes only if each worker polls the queue its rule chose.
    const workflowName = uniqueName('precedence');
    const taskTypes = [taskEnv, taskDotted, taskAll, taskMap, taskDeclared, taskNone];
    await api.registerWorkflow(workflowName, taskTypes);
    const workflow = await ended(
      await api.startWorkflow(workflowName, {
        [taskEnv]: 'from_env',
        [taskDotted]: 'from_dotted',
        [taskAll]: 'from_all',
        [taskMap]: 'from_map',
        [taskDeclared]: 'declared',
      }),
    );
    expect(workflow.status).toBe('COMPLETED');
    expect(workflow.tasks.map((task: any) => [task.queueName, task.outputData.polledDomain])).toEqual([
      [`${taskEnv}@from_env`, 'from_env'],
      [`${taskDotted}@from_dotted`, 'from_dotted'],
      [`${taskAll}@from_all`, 'from_all'],
      [`${taskMap}@from_map`, 'from_map'],
      [`${taskDeclared}@declared`, 'declared'],
      [taskNone, null],
    ]);
    expect(new Set(workflow.tasks.map((task: any) => task.workerId))).toEqual(new Set([withSettings.workerId, withoutSettings.workerId]));
  });

  it('shares one queue by capacity: a slow worker receives proportionally less, and every task completes', async () => {
    const taskType = uniqueName('send_email');
    const workflowName = uniqueName('email');
    await api.registerWorkflow(workflowName, [taskType]);
    const workers = await Promise.all(
      [{ name: 'slow', takesMs: 1_000 }, { name: 'fast_a', takesMs: 0 }, { name: 'fast_b', takesMs: 0 }].map(({ name, takesMs }) =>
        started(
          new TaskWorker({
            amqpUrl: broker,
            taskType,
            domain: 'tenant_x',
            workerId: uniqueName(name),
            concurrency: 1,
            heartbeatIntervalMs: 500,
            execute: async () => {
              await delay(takesMs);
              return { sent: true };
            },
          }),
        ),
      ),
    );
    const [slow, fastA, fastB] = workers;

    const runs = 30;
    const ids = await Promise.all(Array.from({ length: runs }, () => api.startWorkflow(workflowName, { [taskType]: 'tenant_x' })));
    const workflows = await Promise.all(ids.map((id) => ended(id, 30_000)));

    expect(workflows.map((workflow) => workflow.status)).toEqual(Array(runs).fill('COMPLETED'));
    const ranOn = (worker: TaskWorker<any, any>) => workflows.filter((workflow) => workflow.tasks[0].workerId === worker.workerId).length;
    const shares = { slow: ranOn(slow), fastA: ranOn(fastA), fastB: ranOn(fastB) };
    expect(shares.slow + shares.fastA + shares.fastB).toBe(runs);
    // A worker counts a task once its ack is sent, which may come just after the run completed.
    await waitFor('every worker to count its tasks', () => slow.tasksCompleted + fastA.tasksCompleted + fastB.tasksCompleted === runs);
    expect([slow.tasksCompleted, fastA.tasksCompleted, fastB.tasksCompleted]).toEqual([shares.slow, shares.fastA, shares.fastB]);
    // An even split would be 10 each; holding one task at a time, the slow worker takes far fewer.
    expect(shares.slow).toBeGreaterThanOrEqual(1);
    expect(shares.slow).toBeLessThan(runs / 6);
    expect(shares.fastA).toBeGreaterThan(shares.slow);
    expect(shares.fastB).toBeGreaterThan(shares.slow);
  });

  it("holds no more tasks than its concurrency: the broker's prefetch follows it", async () => {
    const taskType = uniqueName('resize_image');
    const workflowName = uniqueName('images');
    await api.registerWorkflow(workflowName, [taskType]);
    let running = 0;
    let mostAtOnce = 0;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const worker = await started(
      new TaskWorker({
        amqpUrl: broker,
        taskType,
        concurrency: 3,
        execute: async () => {
          running += 1;
          mostAtOnce = Math.max(mostAtOnce, running);
          await released;
          running -= 1;
          return { resized: true };
        },
      }),
    );

    const ids = await Promise.all(Array.from({ length: 5 }, () => api.startWorkflow(workflowName)));
    // Three held and running, two left ready in the queue: the broker sent no more than the prefetch.
    await waitFor('three tasks held and two ready in the queue', async () => running === 3 && (await queues.readyCount(taskType)) === 2);
    expect(worker.tasksHeld).toBe(3);
    release();
    const workflows = await Promise.all(ids.map((id) => ended(id)));
    expect(workflows.map((workflow) => workflow.status)).toEqual(Array(5).fill('COMPLETED'));
    expect(mostAtOnce).toBe(3);
  });

  it('reports failures: an error is FAILED with its message and retried; a TerminalTaskError fails the run at once', async () => {
    const taskType = uniqueName('charge_card');
    const workflowName = uniqueName('checkout');
    const registered = await api.request('POST', '/api/metadata/taskdefs', [{ name: taskType, retryCount: 2, retryDelaySeconds: 0 }]);
    expect(registered.status).toBe(200);
    const definition = await api.request('POST', '/api/metadata/workflow', {
      name: workflowName,
      version: 1,
      tasks: [{ name: taskType, taskReferenceName: 'charge', type: 'SIMPLE', inputParameters: { mode: '${workflow.input.mode}' } }],
    });
    expect(definition.status).toBe(200);
    interface Charge {
      mode: 'flaky' | 'terminal' | 'not_an_object';
    }
    await started(
      new TaskWorker({
        amqpUrl: broker,
        taskType,
        execute: (task: Task<Charge>): { charged: boolean } => {
          switch (task.inputData.mode) {
            case 'flaky':
              if (task.retryCount === 0) throw new Error('card declined: the bank did not answer');
              return { charged: true };
            case 'terminal':
              throw new TerminalTaskError('card number is invalid');
            case 'not_an_object':
              return ['charged'] as unknown as { charged: boolean };
            default: {
              const unknownMode: never = task.inputData.mode;
              throw new Error(`unknown mode ${String(unknownMode)}`);
            }
          }
        },
      }),
    );

    const [flaky, terminal, notAnObject] = await Promise.all(
      (['flaky', 'terminal', 'not_an_object'] as const).map(async (mode) => ended(await api.startWorkflow(workflowName, undefined, { mode }))),
    );

    expect(flaky.status).toBe('COMPLETED');
    expect(flaky.tasks.map((task: any) => [task.status, task.retryCount, task.reasonForIncompletion])).toEqual([
      ['FAILED', 0, 'card declined: the bank did not answer'],
      ['COMPLETED', 1, undefined],
    ]);

    expect(terminal.status).toBe('FAILED');
    expect(terminal.tasks.map((task: any) => [task.status, task.reasonForIncompletion])).toEqual([['FAILED_WITH_TERMINAL_ERROR', 'card number is invalid']]);
    expect(terminal.reasonForIncompletion).toContain('card number is invalid');

    expect(notAnObject.status).toBe('FAILED');
    expect(notAnObject.tasks.map((task: any) => task.reasonForIncompletion)).toEqual(
      Array(3).fill('the handler returned an array; outputData must be an object'),
    );
  });

  it('reconnects with backoff when the connection drops mid-task; the task is redelivered, not lost, and completes once', async () => {
    const taskType = uniqueName('sync_ledger');
    const workflowName = uniqueName('ledger');
    await api.registerWorkflow(workflowName, [taskType]);
    const proxy = await startTcpProxy(amqpTarget(broker));
    stoppables.push({ stop: () => proxy.close() });
    const deliveries: Array<{ taskId: string; redelivered: boolean; signal: AbortSignal }> = [];
    let releaseFirst!: () => void;
    const firstReleased = new Promise<void>((resolve) => (releaseFirst = resolve));
    const logged: string[] = [];
    const worker = await started(
      new TaskWorker({
        amqpUrl: throughProxy(broker, proxy),
        taskType,
        reconnect: { initialDelayMs: 100, maxDelayMs: 400 },
        execute: async (task: Task<unknown>, context: TaskContext) => {
          deliveries.push({ taskId: task.taskId, redelivered: context.redelivered, signal: context.signal });
          if (deliveries.length === 1) await firstReleased;
          return { synced: true };
        },
        log: (message) => logged.push(message),
      }),
    );

    const workflowId = await api.startWorkflow(workflowName);
    await waitFor('the worker to hold the task', () => deliveries.length === 1);
    // The broker is "away" for the first two attempts after the cut.
    proxy.refuseNext(2);
    proxy.severAll();
    await waitFor('the worker to reconnect', () => worker.reconnections === 1);
    await waitFor('the task to be delivered again', () => deliveries.length === 2);
    expect(deliveries[0].signal.aborted).toBe(true);
    releaseFirst();

    const workflow = await ended(workflowId);
    expect(workflow.status).toBe('COMPLETED');
    expect(deliveries.map(({ taskId, redelivered }) => ({ taskId, redelivered }))).toEqual([
      { taskId: workflow.tasks[0].taskId, redelivered: false },
      { taskId: workflow.tasks[0].taskId, redelivered: true },
    ]);
    await waitFor('the first run to drop its result', () => logged.some((line) => line.startsWith(`dropped the COMPLETED result of task ${workflow.tasks[0].taskId}`)));
    // The worker counts a task once its ack is sent, just after the router may already have completed the run.
    await waitFor('the redelivered task to be counted', () => worker.tasksCompleted === 1);
    expect(worker.tasksCompleted).toBe(1);
    expect((await eventTypes(workflowId)).filter((type) => type === 'TaskCompleted')).toHaveLength(1);
    expect(workflow.tasks).toHaveLength(1);
    // Backoff: two refused attempts, growing waits, then back.
    const attempts = logged.filter((line) => /^reconnect attempt \d/.test(line));
    expect(attempts.map((line) => Number(/^reconnect attempt (\d+)/.exec(line)?.[1]))).toEqual([1, 2]);
    expect(logged).toContain(`reconnected to the broker on attempt 3; consuming ${taskType} again`);
  });

  it('does not hang on a broker that accepts the connection and never answers: the stalled attempt is named, closed and tried afresh', async () => {
    const taskType = uniqueName('stalled_start');
    const workflowName = uniqueName('stalled');
    await api.registerWorkflow(workflowName, [taskType]);
    const proxy = await startTcpProxy(amqpTarget(broker));
    stoppables.push({ stop: () => proxy.close() });
    proxy.stallNext(1);
    const logged: string[] = [];
    const worker = await started(
      new TaskWorker({
        amqpUrl: throughProxy(broker, proxy),
        taskType,
        startTimeoutMs: 1_000,
        execute: () => ({ ran: true }),
        log: (message) => logged.push(message),
      }),
    );

    expect(logged.filter((line) => line.startsWith('starting failed'))).toEqual([
      'starting failed (no progress within 1000 ms while connecting); trying again',
    ]);
    expect(proxy.accepted).toBe(2);
    const workflow = await ended(await api.startWorkflow(workflowName));
    expect([workflow.status, workflow.output, workflow.tasks[0].workerId]).toEqual(['COMPLETED', { ran: true }, worker.workerId]);
  });
});
