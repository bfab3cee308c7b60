/**
 * The task lifecycle as an AMQP worker lives it (issue 9), against the real
 * RabbitMQ and the running api and router: the SDK reports IN_PROGRESS when it
 * takes a task, so the task has a start time, a worker id and a response
 * timeout; progress extends the hold (an HTTP worker's IN_PROGRESS too); a
 * superseded attempt's message is skipped by the worker that takes it; a late
 * result of a superseded attempt changes nothing and is counted in the
 * router's metric.
 */
import { setTimeout as delay } from 'node:timers/promises';
import * as amqp from 'amqplib';
import { TASK_RESULTS_EXCHANGE, type TaskResult, assertWorkerExchanges, publishConfirmed, taskResultProperties } from '@turnout/messaging';
import type { Task, TaskContext, TaskWorker } from '@turnout/worker';
import type { BrokerQueues } from '../support/broker-queues';
import { uniqueName } from '../support/services';
import type { TurnoutClient } from '../support/turnout-client';
import { turnoutForSuite } from '../support/turnout-fixture';
import { waitFor } from '../support/wait-for';

describe('the task lifecycle of AMQP workers', () => {
  const turnout = turnoutForSuite('e2e_worker_lifecycle');
  let api: TurnoutClient;
  let queues: BrokerQueues;

  beforeAll(() => {
    api = turnout.api;
    queues = turnout.queues;
  });

  async function started<I>(
    taskType: string,
    execute: (task: Task<I>, context: TaskContext) => Promise<object | void> | object | void,
    { domain = null, logged = [] }: { domain?: string | null; logged?: string[] } = {},
  ): Promise<TaskWorker<I, object | void>> {
    // Started on the suite's broker, stopped with the suite, answered once presence has it.
    return turnout.startWorker<I, object | void>({
      taskType,
      domain,
      workerId: uniqueName('lifecycle_worker'),
      heartbeatIntervalMs: 500,
      execute,
      log: (line) => logged.push(line),
    });
  }

  /** A one-task workflow whose task definition says this. */
  async function workflowWith(taskType: string, taskDefinition: Record<string, unknown>): Promise<string> {
    expect((await api.request('POST', '/api/metadata/taskdefs', [{ name: taskType, ...taskDefinition }])).status).toBe(200);
    const workflowName = uniqueName('lifecycle');
    await api.registerWorkflow(workflowName, [taskType]);
    return workflowName;
  }

  const until = (description: string, workflowId: string, holds: (workflow: any) => boolean, timeoutMs?: number) =>
    waitFor(
      description,
      async () => {
        const workflow = await api.workflow(workflowId);
        return holds(workflow) ? workflow : undefined;
      },
      { timeoutMs },
    );

  const eventTypes = async (workflowId: string): Promise<string[]> => (await turnout.eventsOf(workflowId)).map((event) => event.type);

  /** A promise and the function that settles it, for a handler the test lets go of. */
  function gate(): { opened: Promise<void>; open: () => void } {
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    return { opened, open };
  }

  it("shows an AMQP worker's running task IN_PROGRESS, with its start time and worker id", async () => {
    const taskType = uniqueName('running');
    const workflowName = await workflowWith(taskType, { retryCount: 0 });
    const release = gate();
    const worker = await started(taskType, async () => {
      await release.opened;
      return { done: true };
    });

    const workflowId = await api.startWorkflow(workflowName);
    const running = await until('the task to be IN_PROGRESS', workflowId, (workflow) => workflow.tasks[0]?.status === 'IN_PROGRESS');
    const [task] = running.tasks;
    expect(task).toMatchObject({ status: 'IN_PROGRESS', workerId: worker.workerId, pollCount: 1 });
    expect(task.startTime).toBeGreaterThanOrEqual(task.scheduledTime);
    release.open();

    const done = await until('the run to complete', workflowId, (workflow) => workflow.status === 'COMPLETED');
    expect(done.tasks.map((ran: any) => [ran.status, ran.workerId, ran.startTime])).toEqual([['COMPLETED', worker.workerId, task.startTime]]);
    expect(await eventTypes(workflowId)).toEqual(['WorkflowStarted', 'TaskScheduled', 'TaskStarted', 'TaskCompleted', 'WorkflowCompleted']);
  });

  it('times out a task whose AMQP worker never answers, after responseTimeoutSeconds, and retries it; the stuck handler is told', async () => {
    const taskType = uniqueName('never_answers');
    const workflowName = await workflowWith(taskType, { retryCount: 1, retryDelaySeconds: 0, responseTimeoutSeconds: 1 });
    let told: unknown;
    const worker = await started(taskType, async (task: Task<unknown>, context) => {
      if (task.retryCount > 0) return { answered: true };
      // The first attempt never answers; it only ends when the worker is told to stop.
      told = await new Promise((resolve) => context.signal.addEventListener('abort', () => resolve(context.signal.reason)));
      return { answered: 'too late' };
    });

    const workflowId = await api.startWorkflow(workflowName);
    const done = await until('the retry to complete the run', workflowId, (workflow) => workflow.status === 'COMPLETED', 20_000);
    const [stuck, retry] = done.tasks;
    expect(done.tasks.map((task: any) => [task.status, task.retryCount, task.workerId])).toEqual([
      ['TIMED_OUT', 0, worker.workerId],
      ['COMPLETED', 1, worker.workerId],
    ]);
    expect(stuck.reasonForIncompletion).toBe('response timed out');
    // Timed out at its response timeout (one second after it started), by a timer that fires within a second.
    expect(stuck.endTime - stuck.startTime).toBeGreaterThanOrEqual(1_000);
    expect(stuck.endTime - stuck.startTime).toBeLessThan(5_000);
    expect(retry.routing.replaces).toMatchObject({ taskId: stuck.taskId, status: 'TIMED_OUT' });
    expect(done.output).toEqual({ answered: true });
    await waitFor('the stuck handler to be told', () => told !== undefined);
    expect(String(told)).toContain(`Turnout superseded task ${stuck.taskId} (response timed out)`);
  });

  it('keeps a task past its response timeout while the handler reports progress with callbackAfterSeconds', async () => {
    const taskType = uniqueName('long_running');
    const workflowName = await workflowWith(taskType, { retryCount: 1, retryDelaySeconds: 0, responseTimeoutSeconds: 1 });
    const reported = gate();
    const release = gate();
    await started(taskType, async (_task, context) => {
      // Held for 1 + 5 seconds from now, instead of the 1 the definition gives.
      await context.progress({ callbackAfterSeconds: 5, outputData: { percent: 10 } });
      reported.open();
      await release.opened;
      return { percent: 100 };
    });

    const workflowId = await api.startWorkflow(workflowName);
    try {
      await reported.opened;
      await until('the progress to be recorded', workflowId, (workflow) => workflow.tasks[0]?.outputData?.percent === 10);
      // Watch the run until its first response timeout is two seconds past (a timer fires within a second of its
      // due time): the task is held all along, never timed out.
      const wellPast = Date.now() + 3_000;
      while (Date.now() < wellPast) {
        const workflow = await api.workflow(workflowId);
        expect(workflow.tasks.map((task: any) => [task.status, task.outputData])).toEqual([['IN_PROGRESS', { percent: 10 }]]);
        await delay(100);
      }
    } finally {
      release.open();
    }

    const done = await until('the run to complete', workflowId, (workflow) => workflow.status === 'COMPLETED');
    expect(done.tasks.map((task: any) => [task.status, task.retryCount, task.outputData])).toEqual([['COMPLETED', 0, { percent: 100 }]]);
    expect(await eventTypes(workflowId)).toEqual(['WorkflowStarted', 'TaskScheduled', 'TaskStarted', 'TaskProgressed', 'TaskCompleted', 'WorkflowCompleted']);
  });

  it("extends an HTTP worker's hold the same way: IN_PROGRESS with callbackAfterSeconds through POST /api/tasks", async () => {
    const taskType = uniqueName('long_http');
    const workflowName = await workflowWith(taskType, { retryCount: 1, retryDelaySeconds: 0, responseTimeoutSeconds: 1 });
    const workflowId = await api.startWorkflow(workflowName);
    const polled = await waitFor('a task for the HTTP worker', async () => {
      const response = await api.request('GET', `/api/tasks/poll/${taskType}?workerid=http_worker`);
      return response.status === 200 ? response.body : undefined;
    });
    const report = (status: string, fields: Record<string, unknown>) =>
      api.request('POST', '/api/tasks', { taskId: polled.taskId, workflowInstanceId: workflowId, workerId: 'http_worker', status, ...fields });

    expect(await report('IN_PROGRESS', { callbackAfterSeconds: 5, outputData: { percent: 10 } })).toMatchObject({ status: 200, body: polled.taskId });
    await until('the progress to be recorded', workflowId, (workflow) => workflow.tasks[0]?.outputData?.percent === 10);
    // As above: held past its first response timeout, never timed out.
    const wellPast = Date.now() + 3_000;
    while (Date.now() < wellPast) {
      const workflow = await api.workflow(workflowId);
      expect(workflow.tasks.map((task: any) => [task.status, task.workerId])).toEqual([['IN_PROGRESS', 'http_worker']]);
      await delay(100);
    }
    expect((await report('COMPLETED', { outputData: { percent: 100 } })).status).toBe(200);
    const done = await until('the run to complete', workflowId, (workflow) => workflow.status === 'COMPLETED');
    expect(done.tasks.map((task: any) => [task.status, task.retryCount])).toEqual([['COMPLETED', 0]]);
    expect(await eventTypes(workflowId)).toEqual(['WorkflowStarted', 'TaskScheduled', 'TaskStarted', 'TaskProgressed', 'TaskCompleted', 'WorkflowCompleted']);
  });

  it('skips the message of an attempt that timed out while it waited: the worker that takes it later runs only the retry', async () => {
    const taskType = uniqueName('waited_too_long');
    const domain = uniqueName('later');
    const workflowName = await workflowWith(taskType, { retryCount: 1, retryDelaySeconds: 0, pollTimeoutSeconds: 1 });
    const workflowId = await api.startWorkflow(workflowName, { [taskType]: domain });
    // No worker yet: the first attempt times out in its queue, and its retry waits beside its message.
    const waiting = await until('the retry to be scheduled', workflowId, (workflow) => workflow.tasks.length === 2, 20_000);
    expect(waiting.tasks.map((task: any) => [task.status, task.queueName])).toEqual([
      ['TIMED_OUT', `${taskType}@${domain}`],
      ['SCHEDULED', `${taskType}@${domain}`],
    ]);
    await waitFor('both messages in the queue', async () => (await queues.readyCount(`${taskType}@${domain}`)) === 2);

    const ran: string[] = [];
    const logged: string[] = [];
    const worker = await started(taskType, (task) => void ran.push(task.taskId), { domain, logged });
    const done = await until('the run to complete', workflowId, (workflow) => workflow.status === 'COMPLETED');
    const [timedOut, retry] = done.tasks;
    expect(ran).toEqual([retry.taskId]);
    expect(worker.tasksSkipped).toBe(1);
    expect(logged).toContain(
      `skipped task ${timedOut.taskId} of workflow ${workflowId}: superseded (not taken by a worker within pollTimeoutSeconds); not run`,
    );
    expect(await queues.readyCount(`${taskType}@${domain}`)).toBe(0);
  });

  it('skips the message of a rerouted attempt; its late result changes nothing and shows in the router metric', async () => {
    const taskType = uniqueName('rerouted');
    const [oldDomain, newDomain] = [uniqueName('old_pool'), uniqueName('new_pool')];
    const workflowName = await workflowWith(taskType, { retryCount: 0 });
    const workflowId = await api.startWorkflow(workflowName, { [taskType]: oldDomain });
    await waitFor('the task message in its queue', async () => (await queues.readyCount(`${taskType}@${oldDomain}`).catch(() => 0)) === 1);
    expect(await api.request('PUT', `/api/workflow/${workflowId}/taskToDomain?reroute=true`, { [taskType]: newDomain })).toMatchObject({ status: 204 });
    const moved = await api.workflow(workflowId);
    const [canceled] = moved.tasks;
    expect(moved.tasks.map((task: any) => [task.status, task.domain])).toEqual([
      ['CANCELED', oldDomain],
      ['SCHEDULED', newDomain],
    ]);

    // A worker of the old pool comes back: it takes the old message and skips it.
    const oldRan: string[] = [];
    const oldLogged: string[] = [];
    const oldWorker = await started(taskType, (task) => void oldRan.push(task.taskId), { domain: oldDomain, logged: oldLogged });
    await waitFor('the old message to be skipped', () => oldWorker.tasksSkipped === 1);
    expect(oldRan).toEqual([]);
    expect(oldLogged).toContain(`skipped task ${canceled.taskId} of workflow ${workflowId}: superseded (rerouted: the run got a new taskToDomain); not run`);

    await started(taskType, () => ({ by: 'new pool' }), { domain: newDomain });
    const done = await until('the run to complete', workflowId, (workflow) => workflow.status === 'COMPLETED');
    const eventsBefore = await eventTypes(workflowId);

    // A worker in another language ran the old attempt anyway and reports it, late.
    const connection = await amqp.connect(turnout.broker);
    try {
      const channel = await connection.createConfirmChannel();
      await assertWorkerExchanges(channel);
      const late: TaskResult = { taskId: canceled.taskId, workflowInstanceId: workflowId, status: 'COMPLETED', outputData: { late: true }, reasonForIncompletion: null, workerId: 'elsewhere' };
      await publishConfirmed(channel, TASK_RESULTS_EXCHANGE, Buffer.from(JSON.stringify(late)), taskResultProperties(late));
    } finally {
      await connection.close();
    }
    const metricsUrl = /metrics on (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(turnout.output())?.[1];
    expect(metricsUrl).toBeDefined();
    await waitFor('the router to count the late result', async () =>
      (await (await fetch(metricsUrl!)).text()).includes(`turnout_superseded_results_total{task_type="${taskType}"} 1`),
    );
    expect(turnout.output()).toContain(`ignored the COMPLETED result of task ${canceled.taskId} (${taskType}, workflow ${workflowId}, worker elsewhere)`);
    expect(await eventTypes(workflowId)).toEqual(eventsBefore);
    expect((await api.workflow(workflowId)).output).toEqual(done.output);
    expect(done.output).toEqual({ by: 'new pool' });
  });
});
