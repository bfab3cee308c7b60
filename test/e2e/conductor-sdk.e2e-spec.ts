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

  it("follows Conductor's sub-workflow map rules: a child inherits the parent's taskToDomain unless subWorkflowParam.taskToDomain replaces it, whole", async () => {
    const client = await orkesConductorClient({ serverUrl: `${turnout.baseUrl}/api` });
    const metadata = new MetadataClient(client);
    const executor = new WorkflowExecutor(client);
    const pick = uniqueName('sdk_pick');
    const pack = uniqueName('sdk_pack');
    const childName = uniqueName('sdk_child');
    const inheriting = uniqueName('sdk_inherits');
    const replacing = uniqueName('sdk_replaces');
    for (const name of [pick, pack]) {
      await metadata.registerTask({ name, retryCount: 0, timeoutSeconds: 60, responseTimeoutSeconds: 30, totalTimeoutSeconds: 60 } as Parameters<MetadataClient['registerTask']>[0]);
    }
    const workflowDef = (name: string, tasks: unknown[]) =>
      ({ name, version: 1, schemaVersion: 2, inputParameters: [], tasks, timeoutSeconds: 0 }) as unknown as Parameters<MetadataClient['registerWorkflowDef']>[0];
    await metadata.registerWorkflowDef(
      workflowDef(childName, [
        { name: pick, taskReferenceName: 'pick', type: 'SIMPLE', inputParameters: {} },
        { name: pack, taskReferenceName: 'pack', type: 'SIMPLE', inputParameters: {} },
      ]),
      true,
    );
    const subWorkflowTask = (subWorkflowParam: Record<string, unknown>) => ({ name: 'child', taskReferenceName: 'child', type: 'SUB_WORKFLOW', inputParameters: {}, subWorkflowParam });
    await metadata.registerWorkflowDef(workflowDef(inheriting, [subWorkflowTask({ name: childName, version: 1 })]), true);
    await metadata.registerWorkflowDef(workflowDef(replacing, [subWorkflowTask({ name: childName, version: 1, taskToDomain: { [pick]: 'child_pool' } })]), true);

    const sdkWorker = (taskDefName: string, domain: string | undefined) => ({
      taskDefName,
      ...(domain === undefined ? {} : { domain }),
      execute: async () => ({ status: 'COMPLETED' as const, outputData: { pool: domain ?? 'default' } }),
    });
    // A TaskManager runs one worker per task type: one manager per pool.
    const pools = [
      [sdkWorker(pick, 'parent_pool'), sdkWorker(pack, 'parent_pool')],
      [sdkWorker(pick, 'child_pool'), sdkWorker(pack, undefined)],
    ].map((workers) => new TaskManager(client, workers, { options: { pollInterval: 100, concurrency: 1 } }));
    for (const pool of pools) pool.startPolling();
    try {
      const parentMap = { [pick]: 'parent_pool', [pack]: 'parent_pool' };
      const childOf = async (name: string) => {
        const workflowId = await executor.startWorkflow({ name, version: 1, input: {}, taskToDomain: parentMap });
        const parent = await waitFor(`${name} to complete`, async () => {
          const current = await executor.getWorkflow(workflowId, true);
          return current.status === 'COMPLETED' ? current : undefined;
        });
        const subWorkflowId = parent.tasks?.[0]?.subWorkflowId ?? (parent.tasks?.[0]?.outputData?.subWorkflowId as string);
        return executor.getWorkflow(subWorkflowId, true);
      };

      const inherited = await childOf(inheriting);
      expect(inherited.taskToDomain).toEqual(parentMap);
      expect(inherited.tasks?.map((task) => [task.taskType, task.domain])).toEqual([
        [pick, 'parent_pool'],
        [pack, 'parent_pool'],
      ]);

      // Replaced whole, not merged: `pack` has no rule in the child's map, so it goes to no domain.
      const replaced = await childOf(replacing);
      expect(replaced.taskToDomain).toEqual({ [pick]: 'child_pool' });
      expect(replaced.tasks?.map((task) => [task.taskType, task.domain ?? null])).toEqual([
        [pick, 'child_pool'],
        [pack, null],
      ]);
    } finally {
      await Promise.all(pools.map((pool) => pool.stopPolling()));
    }
  });
});
