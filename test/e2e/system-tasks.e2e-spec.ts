/**
 * Conductor's SET_VARIABLE, WAIT and TERMINATE tasks, and the skiptask and
 * rerun calls, on the real servers, driven through the unmodified Conductor
 * JavaScript SDK where it has a call for them.
 */
import { WorkflowExecutor, orkesConductorClient } from '@io-orkes/conductor-javascript';
import { uniqueName } from '../support/services';
import { turnoutForSuite } from '../support/turnout-fixture';
import { waitFor } from '../support/wait-for';

const taskOf = (workflow: any, reference: string) => (workflow.tasks as any[]).filter((task) => task.referenceTaskName === reference).pop();

describe('System tasks and operator calls, end to end', () => {
  const turnout = turnoutForSuite('e2e_system_tasks');

  async function register(definition: Record<string, unknown>) {
    const response = await turnout.api.request('POST', '/api/metadata/workflow', { version: 1, ...definition });
    if (response.status !== 200) throw new Error(`registering ${String(definition.name)} failed: ${response.status} ${JSON.stringify(response.body)}`);
  }

  const executor = async () => new WorkflowExecutor(await orkesConductorClient({ serverUrl: `${turnout.api.baseUrl}/api` }));

  it('sets a variable a later task reads, waits its duration on a durable timer, and ends where a TERMINATE says', async () => {
    const greet = uniqueName('sys_greet');
    const name = uniqueName('sys_flow');
    await turnout.registerTaskDefs([{ name: greet, retryCount: 0 }]);
    await register({
      name,
      tasks: [
        { name: 'set', taskReferenceName: 'set', type: 'SET_VARIABLE', inputParameters: { who: '${workflow.input.who}' } },
        { name: greet, taskReferenceName: 'greet', type: 'SIMPLE', inputParameters: { who: '${workflow.variables.who}' } },
        { name: 'pause', taskReferenceName: 'pause', type: 'WAIT', inputParameters: { duration: '1s' } },
        { name: 'stop', taskReferenceName: 'stop', type: 'TERMINATE', inputParameters: { terminationStatus: 'COMPLETED', workflowOutput: { said: '${greet.output.said}' } } },
        { name: greet, taskReferenceName: 'never', type: 'SIMPLE', inputParameters: {} },
      ],
    });
    await turnout.startWorker({ taskType: greet, domain: null, heartbeatIntervalMs: 200, execute: async (task: any) => ({ said: `hello ${task.inputData.who}` }) });

    const workflowId = await (await executor()).startWorkflow({ name, version: 1, input: { who: 'variables' } });
    const run = await turnout.ended(workflowId, 20_000);
    expect(run).toMatchObject({ status: 'COMPLETED', output: { said: 'hello variables' }, variables: { who: 'variables' } });
    expect(taskOf(run, 'set')).toMatchObject({ taskType: 'SET_VARIABLE', status: 'COMPLETED', domain: null });
    const pause = taskOf(run, 'pause');
    expect(pause).toMatchObject({ taskType: 'WAIT', status: 'COMPLETED' });
    expect(pause.endTime - pause.scheduledTime).toBeGreaterThanOrEqual(1_000);
    expect(taskOf(run, 'stop')).toMatchObject({ taskType: 'TERMINATE', status: 'COMPLETED' });
    expect(taskOf(run, 'never')).toBeUndefined();
  });

  it('holds a WAIT without a duration until a task update completes it', async () => {
    const name = uniqueName('sys_hold');
    await register({ name, tasks: [{ name: 'hold', taskReferenceName: 'hold', type: 'WAIT', inputParameters: {} }] });
    const workflowId = await turnout.api.startWorkflow(name);
    const held = await waitFor('the WAIT to be held', async () => taskOf(await turnout.api.workflow(workflowId), 'hold'));
    expect(held).toMatchObject({ status: 'IN_PROGRESS', taskType: 'WAIT' });
    const update = await turnout.api.request('POST', '/api/tasks', { workflowInstanceId: workflowId, taskId: held.taskId, status: 'COMPLETED', outputData: { approved: true } });
    expect(update.status).toBe(200);
    const run = await turnout.ended(workflowId);
    expect(run).toMatchObject({ status: 'COMPLETED', output: { approved: true } });
  });

  it('skips a task not reached yet, and reruns a finished run from a task with a new input for it (SDK)', async () => {
    const first = uniqueName('sys_first');
    const second = uniqueName('sys_second');
    const name = uniqueName('sys_skip');
    await turnout.registerTaskDefs([first, second].map((taskType) => ({ name: taskType, retryCount: 0 })));
    await register({
      name,
      tasks: [
        { name: first, taskReferenceName: 'first', type: 'SIMPLE', inputParameters: { n: '${workflow.input.n}' } },
        { name: second, taskReferenceName: 'second', type: 'SIMPLE', inputParameters: {} },
      ],
      outputParameters: { first: '${first.output.n}', second: '${second.output.said}' },
    });
    const sdk = await executor();
    // No worker for `first` yet: the run waits there while `second` is skipped.
    const workflowId = await sdk.startWorkflow({ name, version: 1, input: { n: 1 } });
    await sdk.skipTasksFromWorkflow(workflowId, 'second', { taskOutput: { said: 'skipped' } } as any);
    await turnout.startWorker({ taskType: first, domain: null, heartbeatIntervalMs: 200, execute: async (task: any) => ({ n: task.inputData.n }) });
    const run = await turnout.ended(workflowId);
    expect(run).toMatchObject({ status: 'COMPLETED', output: { first: 1, second: 'skipped' } });
    expect(taskOf(run, 'second')).toMatchObject({ status: 'SKIPPED' });

    const refused = await turnout.api.request('PUT', `/api/workflow/${workflowId}/skiptask/first`, {});
    expect(refused.status).toBe(409);

    await turnout.startWorker({ taskType: second, domain: null, heartbeatIntervalMs: 200, execute: async () => ({ said: 'ran' }) });
    const rerunId = await sdk.reRun(workflowId, { reRunFromTaskId: taskOf(run, 'first').taskId, taskInput: { n: 2 } } as any);
    expect(rerunId).toBe(workflowId);
    const again = await waitFor('the rerun to complete', async () => {
      const current = await turnout.api.workflow(workflowId);
      return current.status === 'COMPLETED' && taskOf(current, 'second')?.status === 'COMPLETED' ? current : undefined;
    });
    expect(again.output).toEqual({ first: 2, second: 'ran' });
  });
});
