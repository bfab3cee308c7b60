/**
 * Stranded tasks (issue 9), end to end: runs routed by "canary,stable" go to the
 * canary pool while it lives; the pool is killed hard while their tasks wait in
 * `<type>@canary`; each task times out (pollTimeoutSeconds, or the response
 * timeout for the one a canary worker held), is scheduled again, routed afresh,
 * and completes on stable, once.
 */
import { TIMEOUT_REASONS } from '@turnout/domain';
import { startHangingWorkerProcess } from '../support/hanging-worker-process';
import { uniqueName } from '../support/services';
import { turnoutForSuite } from '../support/turnout-fixture';
import { waitFor } from '../support/wait-for';

/** Small, so that the dead pool is inactive well before the first poll timeout. */
const ACTIVE_WORKER_TIMEOUT_MS = 1_000;
const HEARTBEAT_INTERVAL_MS = 200;
const POLL_TIMEOUT_SECONDS = 2;
const RUNS = 5;

describe('tasks stranded on a pool that died', () => {
  const turnout = turnoutForSuite('e2e_stranded', { ACTIVE_WORKER_TIMEOUT_MS: String(ACTIVE_WORKER_TIMEOUT_MS) });

  it('leave the canary queue once canary is no longer active: every run completes on stable, no task twice, each move says why', async () => {
    const taskType = uniqueName('render_invoice');
    const workflowName = uniqueName('stranded');
    const [canaryQueue, stableQueue] = [`${taskType}@canary`, `${taskType}@stable`];
    await turnout.registerTaskDefs([
      // The held task has no poll timeout to save it, only its response timeout.
      { name: taskType, pollTimeoutSeconds: POLL_TIMEOUT_SECONDS, responseTimeoutSeconds: POLL_TIMEOUT_SECONDS, retryCount: 3, retryDelaySeconds: 0 },
    ]);
    await turnout.registerWorkflow(workflowName, [taskType]);

    const runsOnStable = new Map<string, number>();
    await turnout.startWorker({
      taskType,
      domain: 'stable',
      heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS,
      concurrency: RUNS,
      execute: (task) => {
        runsOnStable.set(task.workflowInstanceId, (runsOnStable.get(task.workflowInstanceId) ?? 0) + 1);
        return { renderedOn: 'stable' };
      },
    });
    // One canary worker that takes one task and never finishes it: the rest wait in its queue.
    const canary = await startHangingWorkerProcess({
      amqpUrl: turnout.broker,
      taskType,
      domain: 'canary',
      workerId: uniqueName('canary_worker'),
      heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS,
      concurrency: 1,
    });
    turnout.stopAfterwards(() => canary.kill());
    await turnout.workerSeen(taskType, 'canary', canary.workerId);

    const workflowIds = await Promise.all(Array.from({ length: RUNS }, () => turnout.api.startWorkflow(workflowName, { [taskType]: 'canary,stable' })));
    const firstAttempts = await waitFor('every run to have its task in the canary queue, one of them held by the canary worker', async () => {
      const workflows = await Promise.all(workflowIds.map((id) => turnout.api.workflow(id)));
      const attempts = workflows.map((workflow) => workflow.tasks[0]);
      if (attempts.some((attempt) => attempt === undefined)) return undefined;
      const held = attempts.filter((attempt) => attempt.status === 'IN_PROGRESS');
      return held.length === 1 && canary.taken().length === 1 ? attempts : undefined;
    });
    for (const attempt of firstAttempts) {
      expect(attempt).toMatchObject({ domain: 'canary', queueName: canaryQueue });
      expect(attempt.routing).toMatchObject({ rule: 'FIRST_ACTIVE', ruleKey: taskType, ruleValue: 'canary,stable' });
    }
    const [heldTaskId] = canary.taken();
    expect(firstAttempts.find((attempt) => attempt.status === 'IN_PROGRESS').taskId).toBe(heldTaskId);

    await canary.kill();

    const workflows = await Promise.all(workflowIds.map((id) => turnout.ended(id, 20_000)));
    for (const workflow of workflows) {
      expect([workflow.status, workflow.output]).toEqual(['COMPLETED', { renderedOn: 'stable' }]);
      const tasks: any[] = workflow.tasks;
      const completed = tasks[tasks.length - 1];
      const left = tasks[tasks.length - 2];
      // Every attempt before the last waited on canary and timed out there.
      expect(tasks.slice(0, -1).map((task) => [task.queueName, task.status])).toEqual(tasks.slice(0, -1).map(() => [canaryQueue, 'TIMED_OUT']));
      expect(completed).toMatchObject({ status: 'COMPLETED', domain: 'stable', queueName: stableQueue, retriedTaskId: left.taskId });
      expect(completed.routing).toMatchObject({
        rule: 'FIRST_ACTIVE',
        candidates: [expect.objectContaining({ domain: 'canary', active: false }), expect.objectContaining({ domain: 'stable', active: true })],
        replaces: {
          taskId: left.taskId,
          domain: 'canary',
          queueName: canaryQueue,
          status: 'TIMED_OUT',
          reasonForIncompletion: left.taskId === heldTaskId ? TIMEOUT_REASONS.RESPONSE : TIMEOUT_REASONS.POLL,
          moved: true,
        },
      });
      expect(completed.routing.summary).toContain(`moved from "${canaryQueue}"`);
    }
    // At least the tasks that only waited left because no one took them in time.
    const leftUntaken = workflows.filter((workflow) => workflow.tasks[workflow.tasks.length - 1].routing.replaces.reasonForIncompletion === TIMEOUT_REASONS.POLL);
    expect(leftUntaken.length).toBeGreaterThanOrEqual(RUNS - 1);

    // No task completed twice: one execution on stable and one TaskCompleted per run.
    expect(Object.fromEntries(runsOnStable)).toEqual(Object.fromEntries(workflowIds.map((id) => [id, 1])));
    for (const workflowId of workflowIds) {
      const completions = (await turnout.eventsOf(workflowId)).filter((event) => event.type === 'TaskCompleted');
      expect(completions).toHaveLength(1);
    }
  });
});
