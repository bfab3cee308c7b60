/**
 * Durable timers on the real processes: a retry delay is a row of the timers
 * projection, not a promise in a router's memory, so a retry that comes due
 * while no router runs (the only one was SIGKILLed) fires once a router is
 * back; and with a router running a timer fires within a second of its due time.
 */
import { Client } from 'pg';
import { type EventOf, type WorkflowEvent, workflowStreamId } from '@turnout/domain';
import { type TestDatabase, amqpUrl, createTestDatabase, uniqueName } from '../support/services';
import { TurnoutClient } from '../support/turnout-client';
import { type TurnoutProcess, startTurnoutProcess } from '../support/turnout-process';
import { waitFor } from '../support/wait-for';

const RETRY_DELAY_SECONDS = 2;

describe('durable timers', () => {
  let database: TestDatabase;
  let env: Record<string, string>;
  let api: TurnoutProcess;
  let router: TurnoutProcess | undefined;
  let client: TurnoutClient;
  let db: Client;

  beforeAll(async () => {
    database = await createTestDatabase('e2e_timers');
    env = { DATABASE_URL: database.url, AMQP_URL: await amqpUrl(), PRESENCE_REFRESH_MS: '100', RELAY_POLL_MS: '200' };
    // Apart, so that the router can die while the api stays.
    api = await startTurnoutProcess('api', env);
    router = await startTurnoutProcess('router', env);
    client = new TurnoutClient(api.baseUrl);
    db = new Client({ connectionString: database.url });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await router?.stop();
    await api?.stop();
    await database?.drop();
  });

  const eventsOf = async (workflowId: string): Promise<WorkflowEvent[]> =>
    (await db.query('select type, data from turnout_events where stream_id = $1 order by stream_version', [workflowStreamId(workflowId)])).rows.map(
      (row: { type: WorkflowEvent['type']; data: any }) => ({ type: row.type, data: row.data }) as WorkflowEvent,
    );

  const timerKindsOf = async (workflowId: string): Promise<string[]> =>
    (await db.query('select kind from turnout_timers where workflow_id = $1 order by kind', [workflowId])).rows.map((row: { kind: string }) => row.kind);

  const pollUntilTask = (taskType: string, workerId: string) =>
    waitFor(`a task of ${taskType}`, async () => {
      const response = await client.request('GET', `/api/tasks/poll/${taskType}?workerid=${workerId}`);
      return response.status === 200 ? response.body : undefined;
    });

  async function report(task: { taskId: string; workflowInstanceId: string }, status: 'FAILED' | 'COMPLETED'): Promise<void> {
    const response = await client.request('POST', '/api/tasks', { ...task, status, outputData: {}, reasonForIncompletion: status === 'FAILED' ? 'first try' : null });
    expect(response.status).toBe(200);
  }

  /** A run whose first attempt an HTTP worker failed: its retry waits RETRY_DELAY_SECONDS in a timer. */
  async function runWithRetryDelayed(): Promise<{ workflowId: string; taskType: string; retryDelayed: EventOf<'TaskRetryDelayed'> }> {
    const taskType = uniqueName('flaky');
    const workflowName = uniqueName('flaky_workflow');
    const taskDefs = await client.request('POST', '/api/metadata/taskdefs', [{ name: taskType, retryCount: 1, retryDelaySeconds: RETRY_DELAY_SECONDS }]);
    expect(taskDefs.status).toBe(200);
    await client.registerWorkflow(workflowName, [taskType]);
    const workflowId = await client.startWorkflow(workflowName);
    await report(await pollUntilTask(taskType, 'first'), 'FAILED');
    const retryDelayed = await waitFor('the retry delayed', async () =>
      (await eventsOf(workflowId)).find((event): event is EventOf<'TaskRetryDelayed'> => event.type === 'TaskRetryDelayed'),
    );
    return { workflowId, taskType, retryDelayed };
  }

  it('fires a retry that came due while no router ran, once a router is back, and only once', async () => {
    const { workflowId, taskType, retryDelayed } = await runWithRetryDelayed();
    await waitFor('the retry timer in the projection', async () => (await timerKindsOf(workflowId)).includes('RETRY'));

    await router!.kill('SIGKILL');
    router = undefined;
    await waitFor(
      'the retry to come due, by the database clock',
      async () => (await db.query('select now() >= to_timestamp($1 / 1000.0) as due', [retryDelayed.data.dueAt])).rows[0].due === true,
      { timeoutMs: 10_000 },
    );
    expect((await eventsOf(workflowId)).map((event) => event.type)).toEqual(['WorkflowStarted', 'TaskScheduled', 'TaskStarted', 'TaskFailed', 'TaskRetryDelayed']);

    router = await startTurnoutProcess('router', env);
    const retry = await pollUntilTask(taskType, 'second');
    expect(retry).toMatchObject({ workflowInstanceId: workflowId, retryCount: 1 });
    await report(retry, 'COMPLETED');
    await waitFor('the run to complete', async () => (await client.workflow(workflowId)).status === 'COMPLETED');

    expect((await eventsOf(workflowId)).map((event) => event.type)).toEqual([
      'WorkflowStarted',
      'TaskScheduled',
      'TaskStarted',
      'TaskFailed',
      'TaskRetryDelayed',
      'TaskScheduled',
      'TaskStarted',
      'TaskCompleted',
      'WorkflowCompleted',
    ]);
    // The run ended: the projection keeps none of its timers.
    await waitFor('the run to keep no timers', async () => (await timerKindsOf(workflowId)).length === 0);
  });

  it('fires a timer within a second of its due time while a router runs', async () => {
    const { workflowId, retryDelayed } = await runWithRetryDelayed();
    const retry = await waitFor(
      'the retry scheduled',
      async () => (await eventsOf(workflowId)).find((event): event is EventOf<'TaskScheduled'> => event.type === 'TaskScheduled' && event.data.retryCount === 1),
      { timeoutMs: 10_000 },
    );
    expect(retry.data.scheduledTime - retryDelayed.data.dueAt).toBeGreaterThanOrEqual(0);
    expect(retry.data.scheduledTime - retryDelayed.data.dueAt).toBeLessThan(1_000);
  });
});
