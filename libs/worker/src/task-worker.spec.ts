/**
 * TaskWorker against the real RabbitMQ, with no Turnout behind it: what it
 * publishes as it takes and runs a task, and how it skips an attempt that
 * Turnout superseded. The test plays Turnout's part on the broker.
 */
import * as amqp from 'amqplib';
import {
  TASKS_SUPERSEDED_EXCHANGE,
  TASKS_SUPERSEDED_MARKERS_EXCHANGE,
  TASKS_SUPERSEDED_STREAM,
  DOMAIN_TASK_RESULTS_EXCHANGE,
  type TaskMessage,
  type TaskResult,
  type TaskSuperseded,
  assertTaskQueue,
  assertTasksSuperseded,
  assertWorkerExchanges,
  parseTaskResult,
  publishConfirmed,
  taskMessageProperties,
  taskSupersededProperties,
} from '@turnout/messaging';
import { amqpUrl, uniqueName } from '../../../test/support/services';
import { amqpTarget, startTcpProxy, throughProxy } from '../../../test/support/tcp-proxy';
import { waitFor } from '../../../test/support/wait-for';
import type { Task, TaskContext } from './task';
import { TaskWorker } from './task-worker';

describe('TaskWorker on the broker', () => {
  let broker: string;
  let connection: amqp.ChannelModel;
  let channel: amqp.ConfirmChannel;
  /** Every TaskResult a worker published, in order. */
  const results: TaskResult[] = [];
  const workers: TaskWorker<any, any>[] = [];

  let resultsQueue: string;

  beforeAll(async () => {
    broker = await amqpUrl();
    connection = await amqp.connect(broker);
    channel = await connection.createConfirmChannel();
    await assertWorkerExchanges(channel);
    await assertTasksSuperseded(channel);
    // Bound as the router binds its queue; no router runs here.
    ({ queue: resultsQueue } = await channel.assertQueue('', { exclusive: true }));
    await channel.bindQueue(resultsQueue, DOMAIN_TASK_RESULTS_EXCHANGE, '#');
    await channel.consume(resultsQueue, (message) => {
      if (message === null) return;
      const parsed = parseTaskResult(message.content);
      if (parsed.ok) results.push(parsed.value);
    }, { noAck: true });
  });

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.stop()));
  });

  afterAll(async () => {
    await connection?.close();
  });

  const resultsOf = (taskId: string) => results.filter((result) => result.taskId === taskId);

  async function startedWorker<I>(
    taskType: string,
    execute: (task: Task<I>, context: TaskContext) => Promise<object | void> | object | void,
    logged: string[] = [],
    through = broker,
    // Most cases are about what follows the report: make it at once.
    reportStartAfterMs = 0,
  ) {
    const worker = new TaskWorker<I, object | void>({
      amqpUrl: through,
      taskType,
      workerId: uniqueName('worker'),
      reportStartAfterMs,
      reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
      execute,
      log: (line) => logged.push(line),
    });
    workers.push(worker);
    await worker.start();
    return worker;
  }

  async function publishTask(taskType: string, sameAs?: TaskMessage): Promise<TaskMessage> {
    const task: TaskMessage = sameAs ?? {
      taskId: uniqueName('task'),
      taskType,
      referenceTaskName: `${taskType}_ref`,
      workflowInstanceId: uniqueName('workflow'),
      workflowType: 'flow',
      domain: null,
      inputData: {},
      retryCount: 0,
      scheduledTime: Date.now(),
    };
    await assertTaskQueue(channel, taskType);
    await publishConfirmed(channel, '', Buffer.from(JSON.stringify(task)), taskMessageProperties(task), taskType);
    return task;
  }

  async function supersede(task: TaskMessage, reason: string): Promise<void> {
    const signal: TaskSuperseded = { taskId: task.taskId, workflowInstanceId: task.workflowInstanceId, reason };
    await publishConfirmed(channel, TASKS_SUPERSEDED_EXCHANGE, Buffer.from(JSON.stringify(signal)), taskSupersededProperties(signal, Date.now()));
  }

  const readyCount = async (queue: string) => (await channel.checkQueue(queue)).messageCount;

  it('reports IN_PROGRESS with its worker id, confirmed before the handler runs, then the result', async () => {
    const taskType = uniqueName('takes');
    let resultsWhenRun: TaskResult[] | undefined;
    const worker = await startedWorker(taskType, async (task) => {
      // Confirmed by the broker before the handler ran: it reaches the results exchange's queue.
      resultsWhenRun = await waitFor('the IN_PROGRESS report', () => (resultsOf(task.taskId).length === 1 ? resultsOf(task.taskId) : undefined));
      return { done: true };
    });
    const task = await publishTask(taskType);
    await waitFor('the result', () => resultsOf(task.taskId).length === 2);

    expect(resultsWhenRun).toEqual([expect.objectContaining({ status: 'IN_PROGRESS', workerId: worker.workerId, outputData: {} })]);
    expect(resultsOf(task.taskId).map((result) => [result.status, result.workerId, result.outputData])).toEqual([
      ['IN_PROGRESS', worker.workerId, {}],
      ['COMPLETED', worker.workerId, { done: true }],
    ]);
  });

  it('does not ack a task whose result the broker returned (no queue bound for it): not confirmed, the task goes back', async () => {
    const taskType = uniqueName('unrouted');
    const logged: string[] = [];
    await channel.unbindQueue(resultsQueue, DOMAIN_TASK_RESULTS_EXCHANGE, '#');
    try {
      const worker = await startedWorker(taskType, () => ({ done: true }), logged, broker, 60_000);
      const task = await publishTask(taskType);
      await waitFor('the result not confirmed', () => logged.find((line) => line.startsWith(`task ${task.taskId} not acknowledged`)));
      expect(logged).toContainEqual(expect.stringContaining('312 NO_ROUTE'));
      expect(worker.tasksCompleted).toBe(0);
      await worker.stop();
      await waitFor('the task back in its queue', async () => (await readyCount(taskType)) === 1);
    } finally {
      await channel.bindQueue(resultsQueue, DOMAIN_TASK_RESULTS_EXCHANGE, '#');
    }
  });

  it('sends no IN_PROGRESS for a task that ends before reportStartAfterMs: straight to its result', async () => {
    const taskType = uniqueName('quick');
    const worker = await startedWorker(taskType, async () => ({ quick: true }), [], broker, 60_000);
    const task = await publishTask(taskType);
    await waitFor('the result', () => resultsOf(task.taskId).length >= 1);

    expect(resultsOf(task.taskId).map((result) => [result.status, result.workerId])).toEqual([['COMPLETED', worker.workerId]]);
  });

  it('reports IN_PROGRESS for a task still running after reportStartAfterMs, then its result', async () => {
    const taskType = uniqueName('slow');
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    await startedWorker(taskType, async () => (await released, { slow: true }), [], broker, 50);
    const task = await publishTask(taskType);
    await waitFor('the IN_PROGRESS report', () => resultsOf(task.taskId).length === 1);
    release();
    await waitFor('the result', () => resultsOf(task.taskId).length === 2);

    expect(resultsOf(task.taskId).map((result) => result.status)).toEqual(['IN_PROGRESS', 'COMPLETED']);
  });

  it('reports progress when the handler says it is still at it, with callbackAfterSeconds and output so far', async () => {
    const taskType = uniqueName('progress');
    let refusal: unknown;
    await startedWorker(taskType, async (_task, context) => {
      await context.progress({ callbackAfterSeconds: 30, outputData: { percent: 50 } });
      await context.progress();
      refusal = await context.progress({ callbackAfterSeconds: -1 }).catch((error: unknown) => error);
      return { percent: 100 };
    });
    const task = await publishTask(taskType);
    await waitFor('the result', () => resultsOf(task.taskId).some((result) => result.status === 'COMPLETED'));

    expect(resultsOf(task.taskId).map(({ status, callbackAfterSeconds, outputData }) => ({ status, callbackAfterSeconds, outputData }))).toEqual([
      { status: 'IN_PROGRESS', callbackAfterSeconds: undefined, outputData: {} },
      { status: 'IN_PROGRESS', callbackAfterSeconds: 30, outputData: { percent: 50 } },
      { status: 'IN_PROGRESS', callbackAfterSeconds: undefined, outputData: {} },
      { status: 'COMPLETED', callbackAfterSeconds: undefined, outputData: { percent: 100 } },
    ]);
    expect(refusal).toEqual(new RangeError('callbackAfterSeconds must be a whole number, 0 or more (got -1)'));
  });

  it('skips a superseded attempt it takes, signalled while it ran or before it started: acked, logged, never run', async () => {
    const taskType = uniqueName('superseded');
    const supersededBeforeStart = await publishTask(taskType);
    await supersede(supersededBeforeStart, 'poll timeout');
    const ran: string[] = [];
    const logged: string[] = [];
    // Started after the first signal: it reads the signals it was not there for before it takes a task.
    const worker = await startedWorker(taskType, (task) => void ran.push(task.taskId), logged);
    await waitFor('the first delivery to be skipped', () => worker.tasksSkipped === 1);

    const supersededLive = { ...supersededBeforeStart, taskId: uniqueName('task') };
    await supersede(supersededLive, 'rerouted: the run got a new taskToDomain');
    const replacement = await publishTask(taskType);
    // The replacement's message comes after its signal; a message of the superseded attempt may still follow.
    await waitFor('the replacement to run', () => ran.includes(replacement.taskId));
    await publishTask(taskType, supersededLive);
    await waitFor('the late message to be skipped', () => worker.tasksSkipped === 2);

    expect(ran).toEqual([replacement.taskId]);
    expect(logged).toEqual(
      expect.arrayContaining([
        `skipped task ${supersededBeforeStart.taskId} of workflow ${supersededBeforeStart.workflowInstanceId}: superseded (poll timeout); not run`,
        `skipped task ${supersededLive.taskId} of workflow ${supersededLive.workflowInstanceId}: superseded (rerouted: the run got a new taskToDomain); not run`,
      ]),
    );
    expect(resultsOf(supersededBeforeStart.taskId)).toEqual([]);
    expect(resultsOf(supersededLive.taskId)).toEqual([]);
    expect(await readyCount(taskType)).toBe(0);
    expect(worker.tasksHeld).toBe(0);
  });

  it('trusts no signal that came through the markers exchange, which any worker (a confined one too) may write to', async () => {
    const taskType = uniqueName('forged_signal');
    const task = await publishTask(taskType);
    const forged: TaskSuperseded = { taskId: task.taskId, workflowInstanceId: task.workflowInstanceId, reason: 'forged' };
    await publishConfirmed(channel, TASKS_SUPERSEDED_MARKERS_EXCHANGE, Buffer.from(JSON.stringify(forged)), taskSupersededProperties(forged, Date.now()));
    const logged: string[] = [];
    const ran: string[] = [];
    // Started after the forged signal: it reads it while it catches up, and ignores it.
    const worker = await startedWorker(taskType, (started) => void ran.push(started.taskId), logged);
    await waitFor('the task to run', () => resultsOf(task.taskId).some((result) => result.status === 'COMPLETED'));

    expect(ran).toEqual([task.taskId]);
    expect(worker.tasksSkipped).toBe(0);
    expect(logged).toContain(`ignored a message in ${TASKS_SUPERSEDED_STREAM} published to "${TASKS_SUPERSEDED_MARKERS_EXCHANGE}", not ${TASKS_SUPERSEDED_EXCHANGE}`);
  });

  it('tells a running handler that its attempt was superseded, drops its result and acks the task', async () => {
    const taskType = uniqueName('stopped');
    let running!: () => void;
    const started = new Promise<void>((resolve) => (running = resolve));
    let told: unknown;
    const logged: string[] = [];
    const worker = await startedWorker(
      taskType,
      async (_task, context) => {
        running();
        told = await new Promise((resolve) => context.signal.addEventListener('abort', () => resolve(context.signal.reason)));
        return { tooLate: true };
      },
      logged,
    );
    const task = await publishTask(taskType);
    await started;
    await supersede(task, 'response timeout');
    await waitFor('the task to be let go', () => worker.tasksSkipped === 1 && worker.tasksHeld === 0);

    expect(told).toEqual(new Error(`Turnout superseded task ${task.taskId} (response timeout); another attempt replaces it`));
    expect(resultsOf(task.taskId).map((result) => result.status)).toEqual(['IN_PROGRESS']);
    expect(logged).toContain(`dropped the COMPLETED result of task ${task.taskId}: Turnout superseded task ${task.taskId} (response timeout); another attempt replaces it`);
    expect(worker.tasksCompleted).toBe(0);
    // Acked: stopping returns nothing to the queue, and nothing is left in it.
    expect(await worker.stop()).toEqual({ finished: 0, returnedToQueue: 0 });
    expect(await readyCount(taskType)).toBe(0);
  });

  it('learns on reconnect of the attempts superseded while it was away, before it takes a task', async () => {
    const taskType = uniqueName('away');
    const proxy = await startTcpProxy(amqpTarget(broker));
    const ran: string[] = [];
    const logged: string[] = [];
    try {
      const worker = await startedWorker(taskType, (task) => void ran.push(task.taskId), logged, throughProxy(broker, proxy));
      // Away: the connection is cut, and the broker "not back" until the test says so.
      proxy.refuseNext(Number.MAX_SAFE_INTEGER);
      proxy.severAll();
      await waitFor('the worker to notice', () => logged.some((line) => line.startsWith('lost the broker connection')));
      const superseded = await publishTask(taskType);
      await supersede(superseded, 'workflow terminated: by hand');
      proxy.refuseNext(0);
      await waitFor('the worker to reconnect', () => worker.reconnections === 1);
      await waitFor('the waiting message to be skipped', () => worker.tasksSkipped === 1);
      expect(ran).toEqual([]);
      expect(resultsOf(superseded.taskId)).toEqual([]);
    } finally {
      await Promise.all(workers.splice(0).map((worker) => worker.stop()));
      await proxy.close();
    }
  });
});
