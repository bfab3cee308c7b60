/**
 * Timeouts as Conductor defines them (issue 9), end to end: a task's
 * timeoutSeconds under each timeoutPolicy (RETRY, TIME_OUT_WF, ALERT_ONLY), the
 * workflow's own timeoutSeconds, and responseTimeoutSeconds for an HTTP worker
 * that polls a task and never answers.
 */
import { type EventOf, TIMEOUT_REASONS, type WorkflowEventType } from '@turnout/domain';
import { uniqueName } from '../support/services';
import { turnoutForSuite } from '../support/turnout-fixture';
import { waitFor } from '../support/wait-for';

describe('task and workflow timeouts', () => {
  const turnout = turnoutForSuite('e2e_timeouts');

  /** A handler's hold on a task that lasts until the test lets go (or the suite ends). */
  function hold(): { released: Promise<void>; release(): void } {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    turnout.stopAfterwards(async () => release());
    return { released, release };
  }

  /** A workflow of one task of a new type, with these task definition fields (and workflow definition fields). */
  async function oneTaskWorkflow(taskPrefix: string, taskDef: Record<string, unknown>, workflowFields: Record<string, unknown> = {}) {
    const taskType = uniqueName(taskPrefix);
    const workflowName = uniqueName('ledger');
    await turnout.registerTaskDefs([{ name: taskType, ...taskDef }]);
    await turnout.registerWorkflow(workflowName, [taskType], workflowFields);
    return { taskType, workflowName };
  }

  const eventsOfType = async <T extends WorkflowEventType>(workflowId: string, type: T): Promise<Array<EventOf<T>>> =>
    (await turnout.eventsOf(workflowId)).filter((event): event is EventOf<T> => event.type === type);

  it('timeoutPolicy RETRY: an attempt not done within timeoutSeconds is TIMED_OUT and retried', async () => {
    const { taskType, workflowName } = await oneTaskWorkflow('export', { timeoutSeconds: 1, timeoutPolicy: 'RETRY', retryCount: 1, retryDelaySeconds: 0 });
    const firstAttempt = hold();
    // Room for the retry while the first attempt is still held.
    const worker = await turnout.startWorker({
      taskType,
      concurrency: 2,
      execute: async (task) => {
        if (task.retryCount > 0) return { attempt: 2 };
        await firstAttempt.released;
        return { attempt: 1 };
      },
    });

    const workflowId = await turnout.api.startWorkflow(workflowName);
    const workflow = await turnout.ended(workflowId);
    expect([workflow.status, workflow.output]).toEqual(['COMPLETED', { attempt: 2 }]);
    expect(workflow.tasks.map((task: any) => [task.status, task.retryCount, task.reasonForIncompletion])).toEqual([
      ['TIMED_OUT', 0, TIMEOUT_REASONS.TASK],
      ['COMPLETED', 1, undefined],
    ]);
    const [timedOut, retried] = workflow.tasks;
    // Counted from the moment the worker took it.
    expect(timedOut.startTime).toBeGreaterThan(0);
    expect(timedOut.endTime - timedOut.startTime).toBeGreaterThanOrEqual(1_000);
    expect(retried.routing.replaces).toMatchObject({ taskId: timedOut.taskId, status: 'TIMED_OUT', reasonForIncompletion: TIMEOUT_REASONS.TASK, moved: false });

    // The first attempt's late result changes nothing.
    firstAttempt.release();
    await waitFor('the worker to let go of the first attempt', () => worker.tasksHeld === 0);
    const after = await turnout.api.workflow(workflowId);
    expect(after.tasks.map((task: any) => task.status)).toEqual(['TIMED_OUT', 'COMPLETED']);
    expect(after.output).toEqual({ attempt: 2 });
    expect(await eventsOfType(workflowId, 'TaskCompleted')).toHaveLength(1);
  });

  it('timeoutPolicy TIME_OUT_WF: the run is TIMED_OUT when its task is not done within timeoutSeconds, and nothing is retried', async () => {
    const { taskType, workflowName } = await oneTaskWorkflow('export', { timeoutSeconds: 1, timeoutPolicy: 'TIME_OUT_WF', retryCount: 2, retryDelaySeconds: 0 });
    const attempt = hold();
    await turnout.startWorker({ taskType, execute: () => attempt.released.then(() => ({ done: true })) });

    const workflow = await turnout.ended(await turnout.api.startWorkflow(workflowName));
    expect(workflow.status).toBe('TIMED_OUT');
    expect(workflow.reasonForIncompletion).toContain('within 1 seconds');
    expect(workflow.tasks.map((task: any) => [task.status, task.reasonForIncompletion])).toEqual([['TIMED_OUT', TIMEOUT_REASONS.TASK]]);
    expect(workflow.endTime - workflow.tasks[0].startTime).toBeGreaterThanOrEqual(1_000);
  });

  it('timeoutPolicy ALERT_ONLY: the timeout is said once, the task goes on and completes', async () => {
    const { taskType, workflowName } = await oneTaskWorkflow('export', { timeoutSeconds: 1, timeoutPolicy: 'ALERT_ONLY', retryCount: 1, retryDelaySeconds: 0 });
    const attempt = hold();
    await turnout.startWorker({ taskType, execute: () => attempt.released.then(() => ({ exported: true })) });

    const workflowId = await turnout.api.startWorkflow(workflowName);
    const [alerted] = await waitFor('the task timeout to be alerted', async () => {
      const alerts = await eventsOfType(workflowId, 'TaskTimeoutAlerted');
      return alerts.length > 0 ? alerts : undefined;
    });
    const running = await turnout.api.workflow(workflowId);
    expect([running.status, running.tasks.map((task: any) => task.status)]).toEqual(['RUNNING', ['IN_PROGRESS']]);
    expect(alerted.data.at - running.tasks[0].startTime).toBeGreaterThanOrEqual(1_000);

    attempt.release();
    const workflow = await turnout.ended(workflowId);
    expect([workflow.status, workflow.output]).toEqual(['COMPLETED', { exported: true }]);
    expect(workflow.tasks.map((task: any) => [task.status, task.retryCount])).toEqual([['COMPLETED', 0]]);
    expect(await eventsOfType(workflowId, 'TaskTimeoutAlerted')).toHaveLength(1);
  });

  it("the workflow's timeoutSeconds: the run is TIMED_OUT and its open task CANCELED", async () => {
    // No worker serves this task type: the task waits in its queue until the run times out.
    const { workflowName } = await oneTaskWorkflow('unserved', { retryCount: 0 }, { timeoutSeconds: 1 });

    const workflow = await turnout.ended(await turnout.api.startWorkflow(workflowName));
    expect(workflow.status).toBe('TIMED_OUT');
    expect(workflow.reasonForIncompletion).toContain('timed out');
    expect(workflow.endTime - workflow.startTime).toBeGreaterThanOrEqual(1_000);
    expect(workflow.tasks.map((task: any) => task.status)).toEqual(['CANCELED']);
    const types = (await turnout.eventsOf(workflow.workflowId)).map((event) => event.type);
    expect(types.slice(-2)).toEqual(['TaskCanceled', 'WorkflowTimedOut']);
  });

  it('responseTimeoutSeconds: a task an HTTP worker polled and never answered is TIMED_OUT and retried; its late result changes nothing', async () => {
    const { taskType, workflowName } = await oneTaskWorkflow('http_export', { responseTimeoutSeconds: 1, retryCount: 1, retryDelaySeconds: 0 });
    const poll = (workerId: string) =>
      waitFor(`${workerId} to poll a task of ${taskType}`, async () => {
        const response = await turnout.api.request('GET', `/api/tasks/poll/${taskType}?workerid=${workerId}`);
        return response.status === 200 ? response.body : undefined;
      });

    const workflowId = await turnout.api.startWorkflow(workflowName);
    const abandoned = await poll('sleepy');
    const retry = await poll('awake');
    expect(retry).toMatchObject({ workflowInstanceId: workflowId, retryCount: 1, status: 'IN_PROGRESS', workerId: 'awake' });
    expect(retry.taskId).not.toBe(abandoned.taskId);
    const held = await turnout.api.workflow(workflowId);
    expect(held.tasks.map((task: any) => [task.status, task.workerId, task.reasonForIncompletion])).toEqual([
      ['TIMED_OUT', 'sleepy', TIMEOUT_REASONS.RESPONSE],
      ['IN_PROGRESS', 'awake', undefined],
    ]);
    expect(held.tasks[0].endTime - held.tasks[0].startTime).toBeGreaterThanOrEqual(1_000);
    expect(held.tasks[1].routing.replaces).toMatchObject({ taskId: abandoned.taskId, status: 'TIMED_OUT', reasonForIncompletion: TIMEOUT_REASONS.RESPONSE });

    const result = (task: any, outputData: Record<string, unknown>) =>
      turnout.api.request('POST', '/api/tasks', { taskId: task.taskId, workflowInstanceId: workflowId, status: 'COMPLETED', outputData, workerId: task.workerId });
    await result(abandoned, { from: 'sleepy' });
    await result(retry, { from: 'awake' });
    const workflow = await turnout.ended(workflowId);
    expect([workflow.status, workflow.output]).toEqual(['COMPLETED', { from: 'awake' }]);
    expect(workflow.tasks.map((task: any) => task.status)).toEqual(['TIMED_OUT', 'COMPLETED']);
    expect(await eventsOfType(workflowId, 'TaskCompleted')).toHaveLength(1);
  });
});
