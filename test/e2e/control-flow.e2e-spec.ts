/**
 * Control flow end to end: FORK_JOIN/JOIN, SWITCH and SUB_WORKFLOW against the
 * running api and router, with every task routed where the rules say when it
 * is scheduled, wherever it sits (a branch, a case, a child run).
 */
import { uniqueName } from '../support/services';
import { turnoutForSuite } from '../support/turnout-fixture';
import { waitFor } from '../support/wait-for';

/** A task of the run's execution, by reference name. */
const taskOf = (workflow: any, reference: string) => {
  const found = (workflow.tasks as any[]).filter((task) => task.referenceTaskName === reference);
  if (found.length === 0) throw new Error(`no task ${reference} in ${JSON.stringify(workflow.tasks.map((task: any) => task.referenceTaskName))}`);
  return found[found.length - 1];
};

describe('Control flow, end to end', () => {
  const turnout = turnoutForSuite('e2e_control_flow', { ACTIVE_WORKER_TIMEOUT_MS: '2000' });

  async function register(definition: Record<string, unknown>) {
    const response = await turnout.api.request('POST', '/api/metadata/workflow', definition);
    if (response.status !== 200) throw new Error(`registering ${String(definition.name)} failed: ${response.status} ${JSON.stringify(response.body)}`);
  }

  async function start(name: string, taskToDomain: Record<string, string>, input: Record<string, unknown> = {}) {
    return turnout.api.startWorkflow(name, taskToDomain, input);
  }

  it('runs a fork whose branches call the same task type, a switch and a sub-workflow, each task where {"*": "tenant_x,NO_DOMAIN"} says', async () => {
    const work = uniqueName('cf_work');
    const decide = uniqueName('cf_decide');
    const report = uniqueName('cf_report');
    const childName = uniqueName('cf_child');
    const parentName = uniqueName('cf_parent');
    await turnout.registerTaskDefs([work, decide, report].map((name) => ({ name, retryCount: 0, responseTimeoutSeconds: 30 })));
    await register({
      name: childName,
      version: 1,
      tasks: [{ name: work, taskReferenceName: 'inner', type: 'SIMPLE', inputParameters: { side: '${workflow.input.from}' } }],
      outputParameters: { said: '${inner.output.side}' },
    });
    await register({
      name: parentName,
      version: 1,
      tasks: [
        {
          name: 'fork',
          taskReferenceName: 'fork',
          type: 'FORK_JOIN',
          forkTasks: [
            [{ name: work, taskReferenceName: 'left', type: 'SIMPLE', inputParameters: { side: 'left' } }],
            [{ name: work, taskReferenceName: 'right', type: 'SIMPLE', inputParameters: { side: 'right' } }],
          ],
        },
        { name: 'join', taskReferenceName: 'join', type: 'JOIN', joinOn: ['left', 'right'] },
        {
          name: 'route',
          taskReferenceName: 'route',
          type: 'SWITCH',
          evaluatorType: 'value-param',
          expression: 'size',
          inputParameters: { size: '${workflow.input.size}' },
          decisionCases: { big: [{ name: decide, taskReferenceName: 'big', type: 'SIMPLE', inputParameters: {} }] },
          defaultCase: [{ name: decide, taskReferenceName: 'small', type: 'SIMPLE', inputParameters: {} }],
        },
        { name: 'child', taskReferenceName: 'child', type: 'SUB_WORKFLOW', subWorkflowParam: { name: childName, version: 1 }, inputParameters: { from: '${left.output.side}' } },
        { name: report, taskReferenceName: 'report', type: 'SIMPLE', inputParameters: { said: '${child.output.said}', right: '${join.output.right.side}' } },
      ],
      outputParameters: { said: '${report.output.said}', right: '${report.output.right}' },
    });

    const echo = async (task: { inputData: Record<string, unknown> }) => ({ ...task.inputData, by: 'worker' });
    // tenant_x has workers for `work` only: the other task types fall back to no domain.
    await turnout.startWorker({ taskType: work, domain: 'tenant_x', heartbeatIntervalMs: 200, execute: async (task) => ({ ...(await echo(task as any)), pool: 'tenant_x' }) });
    await turnout.startWorker({ taskType: work, domain: null, heartbeatIntervalMs: 200, execute: async (task) => ({ ...(await echo(task as any)), pool: 'default' }) });
    await turnout.startWorker({ taskType: decide, domain: null, heartbeatIntervalMs: 200, execute: echo as any });
    await turnout.startWorker({ taskType: report, domain: null, heartbeatIntervalMs: 200, execute: echo as any });

    const workflowId = await start(parentName, { '*': 'tenant_x,NO_DOMAIN' }, { size: 'big' });
    const run = await turnout.ended(workflowId, 30_000);
    expect(run.status).toBe('COMPLETED');
    expect(run.output).toEqual({ said: 'left', right: 'right' });

    // Both branches call `work`: each was routed on its own, both to tenant_x.
    for (const reference of ['left', 'right']) {
      expect(taskOf(run, reference)).toMatchObject({ taskType: work, domain: 'tenant_x', status: 'COMPLETED', outputData: { pool: 'tenant_x' } });
    }
    expect(taskOf(run, 'join')).toMatchObject({ taskType: 'JOIN', status: 'COMPLETED', domain: null, outputData: { left: { side: 'left' }, right: { side: 'right' } } });
    expect(taskOf(run, 'route')).toMatchObject({ taskType: 'SWITCH', status: 'COMPLETED', outputData: { evaluationResult: ['big'] } });
    expect(taskOf(run, 'big')).toMatchObject({ taskType: decide, domain: null, status: 'COMPLETED' });
    expect((run.tasks as any[]).some((task) => task.referenceTaskName === 'small')).toBe(false);
    expect(taskOf(run, 'report')).toMatchObject({ domain: null, inputData: { said: 'left', right: 'right' } });

    // The child ran with the parent's map: its `work` task went to tenant_x too.
    const sub = taskOf(run, 'child');
    expect(sub).toMatchObject({ taskType: 'SUB_WORKFLOW', status: 'COMPLETED', domain: null });
    const childId = sub.outputData.subWorkflowId as string;
    expect(sub.subWorkflowId).toBe(childId);
    const child = await turnout.api.workflow(childId);
    expect(child).toMatchObject({ status: 'COMPLETED', parentWorkflowId: workflowId, parentWorkflowTaskId: sub.taskId, input: { from: 'left' }, output: { said: 'left' } });
    expect(child.taskToDomain).toEqual({ '*': 'tenant_x,NO_DOMAIN' });
    expect(taskOf(child, 'inner')).toMatchObject({ taskType: work, domain: 'tenant_x', outputData: { pool: 'tenant_x' } });
    // Each routed task says why it went where it did.
    const events = await turnout.eventsOf(workflowId);
    const reasons = events.filter((event) => event.type === 'TaskScheduled').map((event: any) => [event.data.referenceTaskName, event.data.routing.rule]);
    expect(reasons).toEqual(
      expect.arrayContaining([
        ['left', 'FIRST_ACTIVE'],
        ['right', 'FIRST_ACTIVE'],
        ['big', 'NO_DOMAIN_FALLBACK'],
        ['report', 'NO_DOMAIN_FALLBACK'],
      ]),
    );
  });

  it("gives a child subWorkflowParam.taskToDomain instead of the parent's map, whole", async () => {
    const work = uniqueName('cf_own');
    const other = uniqueName('cf_other');
    const childName = uniqueName('cf_own_child');
    const parentName = uniqueName('cf_own_parent');
    await turnout.registerTaskDefs([work, other].map((name) => ({ name, retryCount: 0 })));
    await register({
      name: childName,
      version: 1,
      tasks: [
        { name: work, taskReferenceName: 'mine', type: 'SIMPLE', inputParameters: {} },
        { name: other, taskReferenceName: 'theirs', type: 'SIMPLE', inputParameters: {} },
      ],
    });
    await register({
      name: parentName,
      version: 1,
      tasks: [{ name: 'child', taskReferenceName: 'child', type: 'SUB_WORKFLOW', subWorkflowParam: { name: childName, taskToDomain: { [work]: 'child_pool' } } }],
    });
    await turnout.startWorker({ taskType: work, domain: 'child_pool', heartbeatIntervalMs: 200, execute: async () => ({ pool: 'child_pool' }) });
    await turnout.startWorker({ taskType: other, domain: null, heartbeatIntervalMs: 200, execute: async () => ({ pool: 'default' }) });

    // The parent's map would send `other` to parent_pool; the child's own map has no rule for it: no domain.
    const workflowId = await start(parentName, { [work]: 'parent_pool', [other]: 'parent_pool' });
    const run = await turnout.ended(workflowId, 30_000);
    expect(run.status).toBe('COMPLETED');
    const child = await turnout.api.workflow(taskOf(run, 'child').outputData.subWorkflowId);
    expect(child.taskToDomain).toEqual({ [work]: 'child_pool' });
    expect(taskOf(child, 'mine')).toMatchObject({ domain: 'child_pool', status: 'COMPLETED' });
    expect(taskOf(child, 'theirs')).toMatchObject({ domain: null, status: 'COMPLETED' });
  });

  it('terminates the child with its parent, and a retried parent retries its failed child', async () => {
    const flaky = uniqueName('cf_flaky');
    const childName = uniqueName('cf_flaky_child');
    const parentName = uniqueName('cf_flaky_parent');
    await turnout.registerTaskDefs([{ name: flaky, retryCount: 0 }]);
    await register({ name: childName, version: 1, tasks: [{ name: flaky, taskReferenceName: 'flaky', type: 'SIMPLE', inputParameters: {} }] });
    await register({ name: parentName, version: 1, tasks: [{ name: 'child', taskReferenceName: 'child', type: 'SUB_WORKFLOW', subWorkflowParam: { name: childName } }] });

    // No worker yet: the child waits, and terminating the parent ends it.
    const stopped = await start(parentName, {});
    const waitingChild = await waitFor('the child run to start', async () => {
      const parent = await turnout.api.workflow(stopped);
      const childId = parent.tasks?.[0]?.subWorkflowId as string | undefined;
      // The task names its child as it is scheduled; the child's own run starts a moment later.
      if (childId === undefined || (await turnout.api.request('GET', `/api/workflow/${childId}`)).status !== 200) return undefined;
      return childId;
    });
    expect((await turnout.api.request('DELETE', `/api/workflow/${stopped}?reason=enough`)).status).toBe(200);
    const terminatedChild = await turnout.ended(waitingChild);
    expect(terminatedChild.status).toBe('TERMINATED');

    // In each child run the first attempt fails and the next (after the parent's retry) completes.
    // (The terminated child's task is still in the queue: it is cancelled, whatever it answers.)
    const callsByRun = new Map<string, number>();
    await turnout.startWorker({
      taskType: flaky,
      domain: null,
      heartbeatIntervalMs: 200,
      execute: async (task) => {
        const calls = (callsByRun.get(task.workflowInstanceId) ?? 0) + 1;
        callsByRun.set(task.workflowInstanceId, calls);
        if (calls === 1) throw new Error('first time unlucky');
        return { calls };
      },
    });
    const workflowId = await start(parentName, {});
    const failed = await turnout.ended(workflowId);
    expect(failed.status).toBe('FAILED');
    const childId = taskOf(failed, 'child').outputData.subWorkflowId ?? taskOf(failed, 'child').subWorkflowId;
    expect((await turnout.api.workflow(childId)).status).toBe('FAILED');

    expect((await turnout.api.request('POST', `/api/workflow/${workflowId}/retry`)).status).toBe(204);
    const retried = await waitFor('the retried parent to complete', async () => {
      const current = await turnout.api.workflow(workflowId);
      return current.status === 'COMPLETED' ? current : undefined;
    });
    expect(taskOf(retried, 'child').outputData).toEqual({ calls: 2, subWorkflowId: childId });
    const child = await turnout.api.workflow(childId);
    expect(child.status).toBe('COMPLETED');
    expect((child.tasks as any[]).map((task) => task.status)).toEqual(['FAILED', 'COMPLETED']);
  });
});
