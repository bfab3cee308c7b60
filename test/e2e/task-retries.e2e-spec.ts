/**
 * Retries as Conductor defines them (issue 9), end to end: a FAILED attempt is
 * scheduled again once its delay (retryLogic, retryDelaySeconds,
 * backoffScaleFactor) has passed, routed at that moment; a terminal error is
 * not retried; when the retries are spent the run FAILS with the task's reason.
 */
import type { RetryLogic } from '@turnout/domain';
import { TerminalTaskError } from '@turnout/worker';
import { uniqueName } from '../support/services';
import { turnoutForSuite } from '../support/turnout-fixture';
import { waitFor } from '../support/wait-for';

/** Timers fire within about a second of their due time; the rest is the hop through the broker. */
const FIRING_SLACK_MS = 2_500;

describe('task retries', () => {
  const turnout = turnoutForSuite('e2e_retries');

  /** A workflow of one task whose worker fails it `failures` times, then completes it. */
  async function failingTask(taskDef: Record<string, unknown>, failures: number): Promise<string> {
    const taskType = uniqueName('charge_card');
    const workflowName = uniqueName('checkout');
    await turnout.registerTaskDefs([{ name: taskType, ...taskDef }]);
    await turnout.registerWorkflow(workflowName, [taskType]);
    await turnout.startWorker({
      taskType,
      execute: (task) => {
        if (task.retryCount < failures) throw new Error(`the bank did not answer (attempt ${task.retryCount + 1})`);
        return { charged: true };
      },
    });
    return workflowName;
  }

  /** How long each retry waited after the attempt it retries ended. */
  const waits = (tasks: any[]) => tasks.slice(1).map((task, index) => task.scheduledTime - tasks[index].endTime);

  it('waits the delay of FIXED, LINEAR_BACKOFF and EXPONENTIAL_BACKOFF before each retry', async () => {
    // The same fields for all three, so that only retryLogic tells their delays apart.
    const fields = { retryCount: 2, retryDelaySeconds: 1, backoffScaleFactor: 2 };
    const delaysSeconds: Record<RetryLogic, number[]> = {
      FIXED: [1, 1],
      LINEAR_BACKOFF: [2, 4],
      EXPONENTIAL_BACKOFF: [1, 2],
    };
    const logics = Object.keys(delaysSeconds) as RetryLogic[];
    const workflowIds = await Promise.all(
      logics.map(async (retryLogic) => turnout.api.startWorkflow(await failingTask({ ...fields, retryLogic }, 2))),
    );
    const workflows = await Promise.all(workflowIds.map((id) => turnout.ended(id, 20_000)));

    for (const [index, retryLogic] of logics.entries()) {
      const workflow = workflows[index];
      const expectedMs = delaysSeconds[retryLogic].map((seconds) => seconds * 1000);
      expect([retryLogic, workflow.status, workflow.output]).toEqual([retryLogic, 'COMPLETED', { charged: true }]);
      expect(workflow.tasks.map((task: any) => [task.status, task.retryCount])).toEqual([
        ['FAILED', 0],
        ['FAILED', 1],
        ['COMPLETED', 2],
      ]);
      expect(workflow.tasks.slice(1).map((task: any) => task.retriedTaskId)).toEqual(workflow.tasks.slice(0, -1).map((task: any) => task.taskId));
      // Each delay is decided when the attempt fails (dueAt) and kept: no retry is scheduled before it.
      const delayed = (await turnout.eventsOf(workflow.workflowId)).flatMap((event) => (event.type === 'TaskRetryDelayed' ? [event.data] : []));
      expect(delayed.map((retry) => retry.dueAt)).toEqual(workflow.tasks.slice(0, -1).map((task: any, at: number) => task.endTime + expectedMs[at]));
      const waitedMs = waits(workflow.tasks);
      const onTime = waitedMs.every((waited, at) => waited >= expectedMs[at] && waited < expectedMs[at] + FIRING_SLACK_MS);
      expect({ retryLogic, expectedMs, waitedMs, onTime }).toMatchObject({ onTime: true });
    }
  });

  it('routes the retry when its delay has passed: a pool that came alive during the delay gets it', async () => {
    const taskType = uniqueName('render_report');
    const workflowName = uniqueName('report');
    await turnout.registerTaskDefs([{ name: taskType, retryCount: 1, retryLogic: 'FIXED', retryDelaySeconds: 3 }]);
    await turnout.registerWorkflow(workflowName, [taskType]);
    await turnout.startWorker({
      taskType,
      execute: () => {
        throw new Error('the default pool has no fonts');
      },
    });

    const workflowId = await turnout.api.startWorkflow(workflowName, { [taskType]: 'late,NO_DOMAIN' });
    await waitFor('the first attempt to fail on the default queue and its retry to wait', async () => {
      const events = await turnout.eventsOf(workflowId);
      return events.some((event) => event.type === 'TaskRetryDelayed');
    });
    // The late pool starts only now, while the retry waits for its delay.
    const late = await turnout.startWorker({ taskType, domain: 'late', execute: () => ({ renderedOn: 'late' }) });

    const workflow = await turnout.ended(workflowId);
    expect([workflow.status, workflow.output]).toEqual(['COMPLETED', { renderedOn: 'late' }]);
    const [failed, retried] = workflow.tasks;
    expect(failed).toMatchObject({ status: 'FAILED', domain: null, queueName: taskType, reasonForIncompletion: 'the default pool has no fonts' });
    expect(failed.routing).toMatchObject({ rule: 'NO_DOMAIN_FALLBACK', candidates: [expect.objectContaining({ domain: 'late', active: false })] });
    expect(retried).toMatchObject({ status: 'COMPLETED', domain: 'late', queueName: `${taskType}@late`, retryCount: 1, workerId: late.workerId });
    expect(retried.routing).toMatchObject({
      rule: 'FIRST_ACTIVE',
      candidates: [expect.objectContaining({ domain: 'late', active: true })],
      replaces: { taskId: failed.taskId, domain: null, queueName: taskType, status: 'FAILED', reasonForIncompletion: 'the default pool has no fonts', moved: true },
    });
    expect(retried.scheduledTime - failed.endTime).toBeGreaterThanOrEqual(3_000);
  });

  it('does not retry FAILED_WITH_TERMINAL_ERROR: the run FAILS at once with its reason', async () => {
    const taskType = uniqueName('validate_card');
    const workflowName = uniqueName('terminal');
    await turnout.registerTaskDefs([{ name: taskType, retryCount: 2, retryDelaySeconds: 1 }]);
    await turnout.registerWorkflow(workflowName, [taskType]);
    await turnout.startWorker({
      taskType,
      execute: () => {
        throw new TerminalTaskError('card number is invalid');
      },
    });

    const workflow = await turnout.ended(await turnout.api.startWorkflow(workflowName));
    expect(workflow.status).toBe('FAILED');
    expect(workflow.reasonForIncompletion).toContain('card number is invalid');
    expect(workflow.tasks.map((task: any) => [task.status, task.retryCount, task.reasonForIncompletion])).toEqual([
      ['FAILED_WITH_TERMINAL_ERROR', 0, 'card number is invalid'],
    ]);
    const types = (await turnout.eventsOf(workflow.workflowId)).map((event) => event.type);
    expect(types).not.toContain('TaskRetryDelayed');
    expect(types.filter((type) => type === 'TaskScheduled')).toHaveLength(1);
  });

  it('FAILS the run with the task reason once the retries are spent', async () => {
    const workflowName = await failingTask({ retryCount: 1, retryLogic: 'FIXED', retryDelaySeconds: 1 }, Number.POSITIVE_INFINITY);

    const workflow = await turnout.ended(await turnout.api.startWorkflow(workflowName));
    expect(workflow.status).toBe('FAILED');
    expect(workflow.tasks.map((task: any) => [task.status, task.retryCount, task.reasonForIncompletion])).toEqual([
      ['FAILED', 0, 'the bank did not answer (attempt 1)'],
      ['FAILED', 1, 'the bank did not answer (attempt 2)'],
    ]);
    expect(workflow.reasonForIncompletion).toContain('the bank did not answer (attempt 2)');
    expect(waits(workflow.tasks)[0]).toBeGreaterThanOrEqual(1_000);
    const failedEvent = (await turnout.eventsOf(workflow.workflowId)).find((event) => event.type === 'WorkflowFailed');
    expect(failedEvent?.data).toMatchObject({ failedTaskId: workflow.tasks[1].taskId });
  });
});
