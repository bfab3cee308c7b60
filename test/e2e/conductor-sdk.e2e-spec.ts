/**
 * A client nobody here wrote: Conductor's official JavaScript SDK, unmodified,
 * registers definitions, starts a workflow with taskToDomain and runs a worker
 * in that domain against Turnout.
 */
import { MetadataClient, TaskManager, WorkflowExecutor, orkesConductorClient } from '@io-orkes/conductor-javascript';
import { type TestDatabase, amqpUrl, createTestDatabase, uniqueName } from '../support/services';
import { type RunningTurnout, startTurnout } from '../support/turnout-process';
import { waitFor } from '../support/wait-for';

describe("Conductor's JavaScript SDK against Turnout", () => {
  let database: TestDatabase;
  let turnout: RunningTurnout;
  let manager: TaskManager | undefined;

  beforeAll(async () => {
    database = await createTestDatabase('e2e_sdk');
    turnout = await startTurnout({ DATABASE_URL: database.url, AMQP_URL: await amqpUrl(), RELAY_POLL_MS: '200' });
  });

  afterAll(async () => {
    await manager?.stopPolling();
    await turnout?.stop();
    await database?.drop();
  });

  it('registers, starts with taskToDomain, and completes through an SDK worker in that domain', async () => {
    const client = await orkesConductorClient({ serverUrl: `${turnout.baseUrl}/api` });
    const taskType = uniqueName('sdk_greet');
    const workflowName = uniqueName('sdk_workflow');

    const metadata = new MetadataClient(client);
    await metadata.registerTask({
      name: taskType,
      retryCount: 0,
      timeoutSeconds: 60,
      responseTimeoutSeconds: 30,
      totalTimeoutSeconds: 60,
    } as Parameters<MetadataClient['registerTask']>[0]);
    await metadata.registerWorkflowDef(
      {
        name: workflowName,
        version: 1,
        schemaVersion: 2,
        inputParameters: ['who'],
        tasks: [{ name: taskType, taskReferenceName: 'greet', type: 'SIMPLE', inputParameters: { who: '${workflow.input.who}' } }],
        outputParameters: { greeting: '${greet.output.greeting}' },
        timeoutSeconds: 0,
      } as Parameters<MetadataClient['registerWorkflowDef']>[0],
      true,
    );

    const executor = new WorkflowExecutor(client);
    const workflowId = await executor.startWorkflow({
      name: workflowName,
      version: 1,
      input: { who: 'sdk' },
      taskToDomain: { [taskType]: 'sdk_pool' },
    });
    expect(workflowId).toMatch(/^[0-9a-f-]{36}$/);

    manager = new TaskManager(
      client,
      [
        {
          taskDefName: taskType,
          domain: 'sdk_pool',
          execute: async (task) => ({ status: 'COMPLETED', outputData: { greeting: `hello ${String(task.inputData?.who)}` } }),
        },
      ],
      { options: { pollInterval: 100, concurrency: 1 } },
    );
    manager.startPolling();

    const workflow = await waitFor('the workflow to complete', async () => {
      const current = await executor.getWorkflow(workflowId, true);
      return current.status === 'COMPLETED' ? current : undefined;
    });
    expect(workflow.output).toEqual({ greeting: 'hello sdk' });
    expect(workflow.taskToDomain).toEqual({ [taskType]: 'sdk_pool' });
    expect(workflow.tasks?.[0]).toMatchObject({ taskType, domain: 'sdk_pool', status: 'COMPLETED' });
  });
});
