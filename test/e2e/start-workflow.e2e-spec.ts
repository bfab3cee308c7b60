/**
 * Conductor's START_WORKFLOW task on the real servers, the workflows built and
 * registered with the unmodified Conductor JavaScript SDK's builders.
 */
import { WorkflowExecutor, orkesConductorClient, simpleTask, startWorkflowTask, workflow } from '@io-orkes/conductor-javascript';
import { uniqueName } from '../support/services';
import { turnoutForSuite } from '../support/turnout-fixture';
import { waitFor } from '../support/wait-for';

/** The SDK types its START_WORKFLOW builder as a bare WorkflowTask, which its own workflow() builder does not take. */
const startTask = (...args: Parameters<typeof startWorkflowTask>): any => startWorkflowTask(...args);

const taskOf = (run: any, reference: string) => (run.tasks as any[]).filter((task) => task.referenceTaskName === reference).pop();

describe('START_WORKFLOW, end to end', () => {
  const turnout = turnoutForSuite('e2e_start_workflow');
  const executor = async () => new WorkflowExecutor(await orkesConductorClient({ serverUrl: `${turnout.api.baseUrl}/api` }));

  /** A one-task workflow to be started, its task served by a worker of `domain` that says which domain ran it. */
  async function startedWorkflow(domain: string): Promise<{ name: string; taskType: string }> {
    const taskType = uniqueName('sw_ship');
    const name = uniqueName('sw_shipping');
    await turnout.registerTaskDefs([{ name: taskType, retryCount: 0 }]);
    await (await executor()).registerWorkflow(true, { ...workflow(name, [simpleTask('ship', taskType, { order: '${workflow.input.order}' })]), outputParameters: { ranIn: '${ship.output.ranIn}' } });
    await turnout.startWorker({ taskType, domain, heartbeatIntervalMs: 200, execute: async (task: any) => ({ ranIn: `${domain} for ${task.inputData.order}` }) });
    return { name, taskType };
  }

  it("starts a run that inherits the starter's map, completes at once with its workflowId, and the started run is no child", async () => {
    const { name: shipping, taskType } = await startedWorkflow('eu');
    const name = uniqueName('sw_starter');
    const hold = uniqueName('sw_hold');
    await turnout.registerTaskDefs([{ name: hold, retryCount: 0 }]);
    const sdk = await executor();
    // A task no worker serves after the start: the starter is still running when it is terminated.
    await sdk.registerWorkflow(true, workflow(name, [startTask('kick', shipping, { order: '${workflow.input.order}' }, 1, 'corr-${workflow.input.order}'), simpleTask('hold', hold, {})]));
    const starterId = await sdk.startWorkflow({ name, version: 1, input: { order: 7 }, taskToDomain: { [taskType]: 'eu' } });

    const started = await waitFor('the START_WORKFLOW task to complete', async () => {
      const kick = taskOf(await turnout.api.workflow(starterId), 'kick');
      return kick?.status === 'COMPLETED' ? kick : undefined;
    });
    expect(started).toMatchObject({ taskType: 'START_WORKFLOW', domain: null });
    const startedId = started.outputData.workflowId;
    expect(typeof startedId).toBe('string');
    const run = await turnout.ended(startedId, 20_000);
    expect(run).toMatchObject({ workflowName: shipping, status: 'COMPLETED', correlationId: 'corr-7', input: { order: 7 }, output: { ranIn: 'eu for 7' } });
    expect(run.taskToDomain).toEqual({ [taskType]: 'eu' });
    expect(run.parentWorkflowId).toBeUndefined();

    // Not a child: terminating the starter leaves what it started alone (it has ended already, and was never waited for).
    await sdk.terminate(starterId, 'done here');
    expect((await turnout.api.workflow(starterId)).status).toBe('TERMINATED');
    expect((await turnout.api.workflow(startedId)).status).toBe('COMPLETED');
  });

  it('gives the started run the map of its request instead, and fails the task with the reason for a workflow that is not registered', async () => {
    const { name: shipping, taskType } = await startedWorkflow('us');
    const name = uniqueName('sw_own_map');
    const kick = startTask('kick', shipping, { order: 8 }, 1);
    // The builder takes no taskToDomain: added to the request it builds.
    kick.inputParameters.startWorkflow.taskToDomain = { [taskType]: 'us' };
    await (await executor()).registerWorkflow(true, workflow(name, [kick]));
    const starterId = await turnout.api.startWorkflow(name, { [taskType]: 'eu' });
    const starter = await turnout.ended(starterId);
    expect(starter.status).toBe('COMPLETED');
    const run = await turnout.ended(taskOf(starter, 'kick').outputData.workflowId, 20_000);
    expect(run).toMatchObject({ status: 'COMPLETED', output: { ranIn: 'us for 8' }, taskToDomain: { [taskType]: 'us' } });

    const missing = uniqueName('sw_missing');
    await (await executor()).registerWorkflow(true, workflow(missing, [startTask('kick', uniqueName('sw_nowhere'), {}, 2)]));
    const failedId = await turnout.api.startWorkflow(missing);
    const failed = await turnout.ended(failedId);
    expect(failed.status).toBe('FAILED');
    expect(taskOf(failed, 'kick')).toMatchObject({ status: 'FAILED', reasonForIncompletion: expect.stringContaining('the workflow could not be started: No such workflow found by name') });
  });
});
