/**
 * Conductor's API in breadth, part A, on the real servers and mostly through
 * Conductor's JavaScript SDK, unmodified: the synchronous execute, the start by
 * name, task-definition CRUD, removing a workflow version, and JSON bodies that
 * are not objects reaching their routes.
 */
import { MetadataClient, ReturnStrategy, WorkflowExecutor, orkesConductorClient } from '@io-orkes/conductor-javascript';
import { uniqueName } from '../support/services';
import { turnoutForSuite } from '../support/turnout-fixture';

type Client = Awaited<ReturnType<typeof orkesConductorClient>>;

describe("Conductor's API in breadth (part A) through its JavaScript SDK", () => {
  const turnout = turnoutForSuite('e2e_api_breadth_a');
  let client: Client;

  beforeAll(async () => {
    // The fixture's client keeps the api's address to itself (TypeScript's private, a plain property at runtime).
    const { baseUrl } = turnout.api as unknown as { baseUrl: string };
    client = await orkesConductorClient({ serverUrl: `${baseUrl}/api` });
  });

  /** A SIMPLE task of its own type, answered by a worker of Turnout's SDK that greets its input. */
  async function greetingTask(): Promise<string> {
    const taskType = uniqueName('greet');
    await turnout.startWorker({ taskType, heartbeatIntervalMs: 200, execute: async (task: any) => ({ greeting: `hello ${String(task.inputData.who)}` }) });
    return taskType;
  }
  const simple = (taskType: string, reference: string) => ({
    name: taskType,
    taskReferenceName: reference,
    type: 'SIMPLE',
    inputParameters: { who: '${workflow.input.who}' },
  });
  async function register(name: string, tasks: unknown[], fields: Record<string, unknown> = {}) {
    const response = await turnout.api.request('POST', '/api/metadata/workflow', { name, version: 1, tasks, ...fields });
    if (response.status !== 200) throw new Error(`registering ${name}: ${response.status} ${JSON.stringify(response.body)}`);
  }

  describe('POST /api/workflow/execute/{name}/{version} (WorkflowExecutor.executeWorkflow)', () => {
    it('starts a run and answers once it has completed, with its output, its tasks and the requestId given', async () => {
      const [first, second] = [await greetingTask(), await greetingTask()];
      const name = uniqueName('execute_to_end');
      await register(name, [simple(first, 'first'), simple(second, 'second')], { outputParameters: { said: '${second.output.greeting}' } });

      const run = await new WorkflowExecutor(client).executeWorkflow({ name, version: 1, input: { who: 'ada' }, correlationId: 'order-7' }, name, 1, 'request-42');

      expect(run).toMatchObject({
        status: 'COMPLETED',
        output: { said: 'hello ada' },
        input: { who: 'ada' },
        correlationId: 'order-7',
        requestId: 'request-42',
        responseType: 'TARGET_WORKFLOW',
        targetWorkflowStatus: 'COMPLETED',
      });
      expect(run.targetWorkflowId).toBe(run.workflowId);
      expect(run.tasks?.map((task) => [task.referenceTaskName, task.status])).toEqual([
        ['first', 'COMPLETED'],
        ['second', 'COMPLETED'],
      ]);
      // What it answered is what the log holds.
      expect((await turnout.api.workflow(run.workflowId!)).status).toBe('COMPLETED');
      // It waited on appends announced to a LISTEN session of the api's, not on a timer alone.
      const listening = await turnout.db.query(
        `select 1 from pg_stat_activity where datname = current_database() and application_name = 'turnout api execute waits' and query ilike 'listen%'`,
      );
      expect(listening.rowCount).toBe(1);
    });

    it('answers once the task named in waitUntilTaskRef has ended, while the run goes on; BLOCKING_TASK answers that task', async () => {
      const first = await greetingTask();
      const unserved = uniqueName('no_worker');
      const name = uniqueName('execute_until_task');
      await register(name, [simple(first, 'first'), simple(unserved, 'second')]);
      const executor = new WorkflowExecutor(client);

      const run = await executor.executeWorkflow({ name, input: { who: 'bo' } }, name, 1, 'until-first', 'first');
      expect(run).toMatchObject({ status: 'RUNNING', signalTimeout: false });
      expect(run.tasks?.map((task) => [task.referenceTaskName, task.status])).toEqual([
        ['first', 'COMPLETED'],
        ['second', 'SCHEDULED'],
      ]);

      const blocking = await executor.executeWorkflow(
        { name, input: { who: 'cy' } },
        name,
        // 0: the latest version, as in Conductor.
        0,
        'until-first-task',
        'first',
        10,
        'DURABLE' as never,
        ReturnStrategy.BLOCKING_TASK,
      );
      expect(blocking.isBlockingTask()).toBe(true);
      const task = blocking.getBlockingTask();
      expect(task).toMatchObject({ referenceTaskName: 'first', taskType: first, status: 'COMPLETED', outputData: { greeting: 'hello cy' }, inputData: { who: 'cy' } });
      expect(blocking.targetWorkflowStatus).toBe('RUNNING');
      expect(blocking.requestId).toBe('until-first-task');
    });

    it('answers once a WAIT task waits for a signal (neither duration nor until), with that task under BLOCKING_TASK_INPUT', async () => {
      const name = uniqueName('execute_wait');
      await register(name, [{ name: 'hold', taskReferenceName: 'hold', type: 'WAIT', inputParameters: { note: '${workflow.input.who}' } }]);
      const askedAt = Date.now();
      const response = await turnout.api.request('POST', `/api/workflow/execute/${name}/1?waitForSeconds=30&returnStrategy=BLOCKING_TASK_INPUT`, { input: { who: 'gus' } });
      expect(Date.now() - askedAt).toBeLessThan(10_000);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        responseType: 'BLOCKING_TASK_INPUT',
        targetWorkflowStatus: 'RUNNING',
        referenceTaskName: 'hold',
        taskType: 'WAIT',
        status: 'IN_PROGRESS',
        input: { note: 'gus' },
      });
    });

    it('answers at waitForSeconds with the run as it is and signalTimeout, when nothing ends in time', async () => {
      const name = uniqueName('execute_timeout');
      await register(name, [simple(uniqueName('no_worker'), 'stuck')]);

      const askedAt = Date.now();
      const response = await turnout.api.request('POST', `/api/workflow/execute/${name}/1?waitForSeconds=1`, { input: { who: 'di' } });
      const tookMs = Date.now() - askedAt;

      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ status: 'RUNNING', signalTimeout: true, responseType: 'TARGET_WORKFLOW', input: { who: 'di' } });
      expect(response.body.requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(tookMs).toBeGreaterThanOrEqual(950);
      expect(tookMs).toBeLessThan(5_000);
    });

    it('refuses what cannot start or wait as Conductor does: an unknown workflow 404, a bad strategy or wait 400, nothing started', async () => {
      const unknown = await turnout.api.request('POST', `/api/workflow/execute/${uniqueName('never_registered')}/1`, {});
      expect(unknown.status).toBe(404);
      expect(unknown.body.message).toContain('No such workflow found by name');

      const name = uniqueName('execute_refused');
      await register(name, [simple(uniqueName('no_worker'), 'only')]);
      const badStrategy = await turnout.api.request('POST', `/api/workflow/execute/${name}/1?returnStrategy=EVERYTHING`, {});
      expect(badStrategy.status).toBe(400);
      expect(badStrategy.body.validationErrors).toEqual([expect.objectContaining({ path: 'returnStrategy' })]);
      const badWait = await turnout.api.request('POST', `/api/workflow/execute/${name}/1?waitForSeconds=-1`, {});
      expect(badWait.status).toBe(400);
      const notObject = await turnout.api.request('POST', `/api/workflow/execute/${name}/1`, ['input']);
      expect(notObject.status).toBe(400);
      expect((await turnout.db.query(`select 1 from turnout_events where type = 'WorkflowStarted' and data->>'workflowType' = $1`, [name])).rowCount).toBe(0);
    });
  });

  describe('POST /api/workflow/{name} (WorkflowExecutor.startWorkflowByName)', () => {
    it('starts the version asked for (else the latest) with the body as input and the correlationId', async () => {
      const name = uniqueName('by_name');
      await register(name, [simple(uniqueName('no_worker'), 'only')]);
      const second = await turnout.api.request('POST', '/api/metadata/workflow', { name, version: 2, tasks: [simple(uniqueName('no_worker'), 'only')] });
      expect(second.status).toBe(200);
      const executor = new WorkflowExecutor(client);

      const firstVersion = await executor.startWorkflowByName(name, { who: 'ed' }, 1, 'corr-1', 0);
      const latest = await executor.startWorkflowByName(name, { who: 'flo' });

      expect(firstVersion).toMatch(/^[0-9a-f-]{36}$/);
      expect(await turnout.api.workflow(firstVersion)).toMatchObject({ workflowVersion: 1, input: { who: 'ed' }, correlationId: 'corr-1', status: 'RUNNING' });
      expect(await turnout.api.workflow(latest)).toMatchObject({ workflowVersion: 2, input: { who: 'flo' } });
    });

    it('refuses a body that is not an object, a bad priority, and an unknown workflow', async () => {
      const name = uniqueName('by_name_refused');
      await register(name, [simple(uniqueName('no_worker'), 'only')]);
      for (const body of ['just text', [1, 2], 7]) {
        const refused = await turnout.api.request('POST', `/api/workflow/${name}`, body);
        expect([refused.status, refused.body.validationErrors?.[0]?.path]).toEqual([400, 'body']);
      }
      const priority = await turnout.api.request('POST', `/api/workflow/${name}?priority=100`, {});
      expect([priority.status, priority.body.validationErrors?.[0]?.path]).toEqual([400, 'priority']);
      const unknown = await turnout.api.request('POST', `/api/workflow/${uniqueName('never_registered')}`, {});
      expect(unknown.status).toBe(404);
    });
  });

  describe('task definitions (MetadataClient)', () => {
    it('registers, lists, reads, updates and removes a task definition; a missing one is a 404 with Conductor message', async () => {
      const metadata = new MetadataClient(client);
      const name = uniqueName('taskdef');
      await metadata.registerTask({ name, retryCount: 2, timeoutSeconds: 60, responseTimeoutSeconds: 30 } as never);

      expect(await metadata.getTask(name)).toMatchObject({ name, retryCount: 2 });
      expect((await metadata.getAllTaskDefs()).map((def) => def.name)).toContain(name);

      await metadata.updateTask({ name, retryCount: 5, timeoutSeconds: 60, responseTimeoutSeconds: 30 } as never);
      expect(await metadata.getTask(name)).toMatchObject({ name, retryCount: 5 });

      await metadata.unregisterTask(name);
      await expect(metadata.getTask(name)).rejects.toThrow();
      const missing = await turnout.api.request('GET', `/api/metadata/taskdefs/${name}`);
      expect([missing.status, missing.body.message]).toEqual([404, `No such taskType found by name: ${name}`]);
      expect((await metadata.getAllTaskDefs()).map((def) => def.name)).not.toContain(name);
      const removedAgain = await turnout.api.request('DELETE', `/api/metadata/taskdefs/${name}`);
      expect(removedAgain.status).toBe(404);
    });

    it('refuses to update a task definition that is not registered (404) or is not one object (400), creating nothing', async () => {
      const name = uniqueName('never_registered');
      await expect(new MetadataClient(client).updateTask({ name, retryCount: 1 } as never)).rejects.toThrow();
      const response = await turnout.api.request('PUT', '/api/metadata/taskdefs', { name, retryCount: 1 });
      expect([response.status, response.body.message]).toEqual([404, `No such task by name ${name}`]);
      expect((await turnout.api.request('GET', `/api/metadata/taskdefs/${name}`)).status).toBe(404);

      const list = await turnout.api.request('PUT', '/api/metadata/taskdefs', [{ name, retryCount: 1 }]);
      expect([list.status, list.body.validationErrors?.[0]?.path]).toEqual([400, 'body']);
      const badField = await turnout.api.request('PUT', '/api/metadata/taskdefs', { name, retryCount: -1 });
      expect([badField.status, badField.body.validationErrors?.[0]?.path]).toEqual([400, 'retryCount']);
    });

    it('an update is what the next start runs by, at once (the definition cache is cleared)', async () => {
      const taskType = uniqueName('policy');
      await turnout.registerTaskDefs([{ name: taskType, retryCount: 0, responseTimeoutSeconds: 30 }]);
      const name = uniqueName('policy_flow');
      await register(name, [simple(taskType, 'only')]);
      const executor = new WorkflowExecutor(client);
      const before = await executor.startWorkflowByName(name, {});
      await new MetadataClient(client).updateTask({ name: taskType, retryCount: 0, responseTimeoutSeconds: 77 } as never);
      const after = await executor.startWorkflowByName(name, {});
      expect((await turnout.api.workflow(before)).tasks[0].responseTimeoutSeconds).toBe(30);
      expect((await turnout.api.workflow(after)).tasks[0].responseTimeoutSeconds).toBe(77);
    });
  });

  describe('DELETE /api/metadata/workflow/{name}/{version} (MetadataClient.unregisterWorkflow)', () => {
    it('removes that version; the next start without a version runs the highest left, at once; a second removal is a 404', async () => {
      const name = uniqueName('versions');
      await register(name, [simple(uniqueName('no_worker'), 'only')]);
      expect((await turnout.api.request('POST', '/api/metadata/workflow', { name, version: 2, tasks: [simple(uniqueName('no_worker'), 'only')] })).status).toBe(200);
      const executor = new WorkflowExecutor(client);
      // Read (and kept a second) by the start path before the removal.
      expect((await turnout.api.workflow(await executor.startWorkflowByName(name, {}))).workflowVersion).toBe(2);

      await new MetadataClient(client).unregisterWorkflow(name, 2);

      expect((await turnout.api.workflow(await executor.startWorkflowByName(name, {}))).workflowVersion).toBe(1);
      expect((await new MetadataClient(client).getWorkflowDef(name)).version).toBe(1);
      const again = await turnout.api.request('DELETE', `/api/metadata/workflow/${name}/2`);
      expect([again.status, again.body.message]).toEqual([404, `No such workflow definition: ${name} version: 2`]);
      expect((await turnout.api.request('DELETE', `/api/metadata/workflow/${name}/first`)).status).toBe(400);
    });
  });

  describe('JSON bodies that are not objects', () => {
    it('reach their route, which answers its own 400 naming the body', async () => {
      const name = uniqueName('bodies');
      await register(name, [simple(uniqueName('no_worker'), 'only')]);
      const workflowId = await turnout.api.startWorkflow(name);
      const routes: Array<[string, string]> = [
        ['POST', '/api/workflow'],
        ['POST', '/api/metadata/taskdefs'],
        ['PUT', '/api/metadata/taskdefs'],
        ['POST', '/api/metadata/workflow'],
        ['PUT', '/api/metadata/workflow'],
        ['POST', '/api/tasks'],
        ['POST', '/api/event'],
        ['PUT', `/api/workflow/${workflowId}/taskToDomain`],
      ];
      for (const [method, path] of routes) {
        for (const body of ['a bare string', 42, true]) {
          const response = await turnout.api.request(method, path, body);
          // The route's own refusal (Conductor's error body naming a field), not the body parser's.
          expect([method, path, body, response.status, typeof response.body.message, response.body.validationErrors?.length > 0]).toEqual([
            method,
            path,
            body,
            400,
            'string',
            true,
          ]);
        }
      }
    });
  });
});
