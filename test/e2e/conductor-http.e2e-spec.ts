/**
 * Conductor's HTTP worker protocol: poll (single and batch), update and
 * update-v2, held tasks and their response timeout, poll data, queue sizes,
 * health and metrics.
 */
import { type TestDatabase, amqpUrl, createTestDatabase, uniqueName } from '../support/services';
import { TurnoutClient } from '../support/turnout-client';
import { type RunningTurnout, startTurnout } from '../support/turnout-process';
import { waitFor } from '../support/wait-for';

describe('Conductor HTTP workers', () => {
  let database: TestDatabase;
  let turnout: RunningTurnout;
  let api: TurnoutClient;

  beforeAll(async () => {
    database = await createTestDatabase('e2e_http');
    turnout = await startTurnout({
      DATABASE_URL: database.url,
      AMQP_URL: await amqpUrl(),
      ACTIVE_WORKER_TIMEOUT_MS: '3000',
      PRESENCE_REFRESH_MS: '100',
      RELAY_POLL_MS: '200',
    });
    api = new TurnoutClient(turnout.baseUrl);
  });

  afterAll(async () => {
    if (process.env.DEBUG_TURNOUT) console.log(turnout?.output().split('\n').filter((l) => /WARN|ERROR|lease|timed/i.test(l)).join('\n'));
    await turnout?.stop();
    await database?.drop();
  });

  const pollUntilTask = (taskType: string, query: string) =>
    waitFor(`a task of ${taskType}`, async () => {
      const response = await api.request('GET', `/api/tasks/poll/${taskType}?${query}`);
      return response.status === 200 ? response : undefined;
    });

  it('starts the next run from a definition replaced through PUT /api/metadata/workflow', async () => {
    const workflowName = uniqueName('replaced');
    const [before, after] = [uniqueName('before'), uniqueName('after')];
    await api.registerWorkflow(workflowName, [before]);
    const first = await api.workflow(await api.startWorkflow(workflowName));
    const replaced = await api.request('PUT', '/api/metadata/workflow', [
      { name: workflowName, version: 1, tasks: [{ name: after, taskReferenceName: 'only', type: 'SIMPLE', inputParameters: {} }] },
    ]);
    expect(replaced.status).toBe(200);
    const second = await api.workflow(await api.startWorkflow(workflowName));
    expect([first.tasks[0].taskType, second.tasks[0].taskType]).toEqual([before, after]);
  });

  it('runs a task for an HTTP worker in a domain, end to end, with Conductor shapes', async () => {
    const taskType = uniqueName('http_task');
    const workflowName = uniqueName('http_workflow');
    await api.registerWorkflow(workflowName, [taskType]);
    const empty = await api.request('GET', `/api/tasks/poll/${taskType}?workerid=w1&domain=blue`);
    expect(empty.status).toBe(204);

    const workflowId = await api.startWorkflow(workflowName, { [taskType]: 'blue' });
    const polled = await pollUntilTask(taskType, 'workerid=w1&domain=blue');
    expect(polled.contentType).toMatch(/^application\/json/);
    expect(polled.body).toMatchObject({ taskType, status: 'IN_PROGRESS', domain: 'blue', workflowInstanceId: workflowId, workerId: 'w1', pollCount: 1 });

    const update = await api.request('POST', '/api/tasks', {
      taskId: polled.body.taskId,
      workflowInstanceId: workflowId,
      status: 'COMPLETED',
      outputData: { done: true },
      workerId: 'w1',
    });
    expect(update.status).toBe(200);
    expect(update.contentType).toMatch(/^text\/plain/);
    expect(update.body).toBe(polled.body.taskId);

    const workflow = await waitFor('the workflow to complete', async () => {
      const current = await api.workflow(workflowId);
      return current.status === 'COMPLETED' ? current : undefined;
    });
    expect(workflow.tasks[0]).toMatchObject({ domain: 'blue', queueName: `${taskType}@blue`, workerId: 'w1', outputData: { done: true } });
  });

  it('answers a batch poll with an array, [] after the long-poll timeout, and tasks as they come', async () => {
    const taskType = uniqueName('batch_task');
    const workflowName = uniqueName('batch_workflow');
    await api.registerWorkflow(workflowName, [taskType]);
    const empty = await api.request('GET', `/api/tasks/poll/batch/${taskType}?workerid=w&count=5&timeout=100`);
    expect(empty).toMatchObject({ status: 200, body: [] });

    const ids = await Promise.all([1, 2, 3].map(() => api.startWorkflow(workflowName)));
    const taken: any[] = [];
    await waitFor('three tasks by batch poll', async () => {
      const response = await api.request('GET', `/api/tasks/poll/batch/${taskType}?workerid=w&count=5&timeout=200`);
      taken.push(...response.body);
      return taken.length === 3;
    });
    expect(new Set(taken.map((task) => task.workflowInstanceId))).toEqual(new Set(ids));
  });

  it('gives the next task of the same type and domain from update-v2', async () => {
    const taskType = uniqueName('v2_task');
    const workflowName = uniqueName('v2_workflow');
    await api.registerWorkflow(workflowName, [taskType]);
    const [first, second] = [await api.startWorkflow(workflowName, { [taskType]: 'green' }), await api.startWorkflow(workflowName, { [taskType]: 'green' })];
    const polled = await pollUntilTask(taskType, 'workerid=v2&domain=green');
    await waitFor('the second task to be queued', async () => (await api.workflow(polled.body.workflowInstanceId === first ? second : first)).tasks.length === 1);

    const next = await api.request('POST', '/api/tasks/update-v2', {
      taskId: polled.body.taskId,
      workflowInstanceId: polled.body.workflowInstanceId,
      status: 'COMPLETED',
      outputData: {},
      workerId: 'v2',
    });
    expect(next.status).toBe(200);
    expect(next.body).toMatchObject({ taskType, domain: 'green', status: 'IN_PROGRESS' });
    expect(next.body.workflowInstanceId).not.toBe(polled.body.workflowInstanceId);
  });

  it('schedules a held task again when no result comes within its response timeout', async () => {
    const taskType = uniqueName('slow_http');
    const workflowName = uniqueName('timeout_workflow');
    expect((await api.request('POST', '/api/metadata/taskdefs', [{ name: taskType, retryCount: 1, retryDelaySeconds: 0, responseTimeoutSeconds: 1 }])).status).toBe(200);
    await api.registerWorkflow(workflowName, [taskType]);
    const workflowId = await api.startWorkflow(workflowName);
    const abandoned = await pollUntilTask(taskType, 'workerid=sleepy');

    const retry = await pollUntilTask(taskType, 'workerid=awake');
    expect(retry.body).toMatchObject({ workflowInstanceId: workflowId, retryCount: 1 });
    expect(retry.body.taskId).not.toBe(abandoned.body.taskId);
    const workflow = await api.workflow(workflowId);
    expect(workflow.tasks.map((task: any) => task.status)).toEqual(['TIMED_OUT', 'IN_PROGRESS']);

    // The late result of the abandoned attempt changes nothing; the retry's completes the run.
    await api.request('POST', '/api/tasks', { taskId: abandoned.body.taskId, workflowInstanceId: workflowId, status: 'COMPLETED', outputData: { late: true } });
    await api.request('POST', '/api/tasks', { taskId: retry.body.taskId, workflowInstanceId: workflowId, status: 'COMPLETED', outputData: { late: false } });
    const done = await waitFor('the workflow to complete', async () => {
      const current = await api.workflow(workflowId);
      return current.status === 'COMPLETED' ? current : undefined;
    });
    expect(done.output).toEqual({ late: false });
  });

  it('counts an empty poll as a heartbeat: the domain becomes active for routing', async () => {
    const taskType = uniqueName('heartbeat_poll');
    const workflowName = uniqueName('heartbeat_workflow');
    await api.registerWorkflow(workflowName, [taskType]);
    expect((await api.request('GET', `/api/tasks/poll/${taskType}?workerid=p1&domain=pool`)).status).toBe(204);
    const pollData = await waitFor('poll data for the worker', async () => {
      const response = await api.request('GET', `/api/tasks/queue/polldata?taskType=${taskType}`);
      return response.body.length === 1 ? response.body : undefined;
    });
    expect(pollData).toEqual([
      expect.objectContaining({ taskType, queueName: `${taskType}@pool`, domain: 'pool', workerId: 'p1', transport: 'http', active: true }),
    ]);

    const workflowId = await api.startWorkflow(workflowName, { [taskType]: 'pool,NO_DOMAIN' });
    const scheduled = await waitFor('the task to be scheduled', async () => {
      const workflow = await api.workflow(workflowId);
      return workflow.tasks[0];
    });
    expect(scheduled).toMatchObject({ domain: 'pool', queueName: `${taskType}@pool` });
    expect(scheduled.routing.rule).toBe('FIRST_ACTIVE');

    const sizes = await waitFor('the queue size', async () => {
      const response = await api.request('GET', `/api/tasks/queue/sizes?taskType=${taskType}`);
      return response.body[`${taskType}@pool`] === 1 ? response.body : undefined;
    });
    expect(sizes).toEqual({ [taskType]: 0, [`${taskType}@pool`]: 1 });
    const all = await api.request('GET', '/api/tasks/queue/all');
    expect(all.body[`${taskType}@pool`]).toBe(1);
    const everyPoller = await api.request('GET', '/api/tasks/queue/polldata/all');
    expect(everyPoller.body.some((row: any) => row.queueName === `${taskType}@pool`)).toBe(true);
  });

  it.each([
    ['a domain list', 'domain=a,b', 'domain'],
    ['NO_DOMAIN', 'domain=NO_DOMAIN', 'domain'],
    ['a count of 0', 'count=0', 'count'],
    ['a worker id presence cannot record', `workerid=${'w'.repeat(256)}`, 'workerid'],
  ])('refuses a poll with %s, naming the field', async (_case, query, field) => {
    const response = await api.request('GET', `/api/tasks/poll/batch/${uniqueName('t')}?${query}`);
    expect(response.status).toBe(400);
    expect(response.body.validationErrors).toEqual([expect.objectContaining({ field })]);
  });

  it('refuses, naming the field, a start by a name no workflow can have and a worker id presence cannot record', async () => {
    const byName = await api.request('POST', '/api/workflow/orders@doug', {});
    expect(byName.status).toBe(400);
    expect(byName.body.validationErrors).toEqual([expect.objectContaining({ field: 'name', reason: expect.stringContaining('must not contain "@"') })]);
    const result = await api.request('POST', '/api/tasks', { taskId: 'x', workflowInstanceId: 'y', status: 'COMPLETED', workerId: 'w'.repeat(256) });
    expect(result.status).toBe(400);
    expect(result.body.validationErrors).toEqual([expect.objectContaining({ field: 'workerId', reason: 'is 256 bytes; a worker id may have 255' })]);
  });

  it('reads a body without a Content-Type only from a request with a token (an SDK resending after renewal), not from any web page', async () => {
    const workflowName = uniqueName('untyped');
    await api.registerWorkflow(workflowName, [uniqueName('untyped_task')]);
    const untyped = (headers: Record<string, string>) =>
      fetch(`${api.baseUrl}/api/workflow`, { method: 'POST', headers, body: new Blob([JSON.stringify({ name: workflowName })]) });
    const fromAPage = await untyped({});
    expect(fromAPage.status).toBe(400);
    expect(await fromAPage.json()).toMatchObject({ validationErrors: [expect.objectContaining({ field: 'body' })] });
    const fromTheSdk = await untyped({ 'X-Authorization': 'any token: this api has no keys' });
    expect(fromTheSdk.status).toBe(200);
    expect((await api.workflow(await fromTheSdk.text())).workflowName).toBe(workflowName);
  });

  it('refuses a result for a task it does not know with a 404, and a malformed one with a 400', async () => {
    const unknown = await api.request('POST', '/api/tasks', { taskId: 'nope', workflowInstanceId: 'nope', status: 'COMPLETED' });
    expect(unknown.status).toBe(404);
    const malformed = await api.request('POST', '/api/tasks', { taskId: 'x', workflowInstanceId: 'y', status: 'DONE' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.validationErrors).toEqual([expect.objectContaining({ field: 'status' })]);
  });

  it('answers /api/token with 404 (no API keys), /health UP and /metrics in Prometheus format', async () => {
    expect((await api.request('POST', '/api/token', { keyId: 'k', keySecret: 's' })).status).toBe(404);
    const health = await api.request('GET', '/health');
    expect(health).toMatchObject({ status: 200, body: { status: 'UP', components: { postgres: { status: 'UP' }, rabbitmq: { status: 'UP' } } } });
    const metrics = await api.request('GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.contentType).toMatch(/^text\/plain/);
    expect(metrics.body).toContain('# TYPE turnout_queue_depth gauge');
  });
});
