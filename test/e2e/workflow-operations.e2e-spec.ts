/**
 * Operator actions on real runs (issue 9): terminate, pause and resume, retry,
 * restart, a new taskToDomain (with and without reroute), the 409s, 404s and
 * 400s they answer; and search, served by the router's projection of the log.
 * Tasks are taken by HTTP polls, so each test decides when a worker acts.
 */
import { uniqueName } from '../support/services';
import type { TurnoutClient } from '../support/turnout-client';
import { turnoutForSuite } from '../support/turnout-fixture';
import { waitFor } from '../support/wait-for';

describe('workflow operations', () => {
  const turnout = turnoutForSuite('e2e_operations', { ACTIVE_WORKER_TIMEOUT_MS: '3000' });
  let api: TurnoutClient;

  beforeAll(() => {
    api = turnout.api;
  });

  const pollQuery = (domain: string | null) => `workerid=operator_test${domain === null ? '' : `&domain=${domain}`}`;
  /** Polls until a task comes, as a worker does. */
  const taken = async (taskType: string, domain: string | null = null) =>
    (
      await waitFor(`a task of ${taskType}@${domain ?? '(no domain)'}`, async () => {
        const response = await api.request('GET', `/api/tasks/poll/${taskType}?${pollQuery(domain)}`);
        return response.status === 200 ? response : undefined;
      })
    ).body;
  /** One poll: what a worker gets now (null: nothing). */
  const pollOnce = async (taskType: string, domain: string | null = null) => {
    const response = await api.request('GET', `/api/tasks/poll/${taskType}?${pollQuery(domain)}`);
    return response.status === 204 ? null : response.body;
  };
  const report = (task: any, status: 'COMPLETED' | 'FAILED', fields: Record<string, unknown> = {}) =>
    api.request('POST', '/api/tasks', { taskId: task.taskId, workflowInstanceId: task.workflowInstanceId, status, workerId: 'operator_test', outputData: {}, ...fields });
  const until = (description: string, workflowId: string, holds: (workflow: any) => boolean) =>
    waitFor(description, async () => {
      const workflow = await api.workflow(workflowId);
      return holds(workflow) ? workflow : undefined;
    });
  const queueSize = async (queueName: string, taskType: string) =>
    (await api.request('GET', `/api/tasks/queue/sizes?taskType=${taskType}`)).body[queueName] as number;

  /** A registered workflow of these task types, in order. */
  async function workflowOf(...taskTypes: string[]): Promise<string> {
    const name = uniqueName('operated');
    await api.registerWorkflow(name, taskTypes);
    return name;
  }

  it('terminates a run: TERMINATED with the reason, its task CANCELED, its queued message never handed out', async () => {
    const taskType = uniqueName('to_terminate');
    const workflowId = await api.startWorkflow(await workflowOf(taskType));
    await waitFor('the task message in its queue', async () => (await queueSize(taskType, taskType)) === 1);

    const terminated = await api.request('DELETE', `/api/workflow/${workflowId}?reason=${encodeURIComponent('ordered by mistake')}`);
    expect(terminated).toMatchObject({ status: 200, body: '' });
    const workflow = await api.workflow(workflowId);
    expect(workflow).toMatchObject({ status: 'TERMINATED', reasonForIncompletion: 'ordered by mistake' });
    expect(workflow.endTime).toBeGreaterThan(0);
    expect(workflow.tasks.map((task: any) => task.status)).toEqual(['CANCELED']);

    // The message was still queued: the worker that takes it is given nothing, and the queue is empty after.
    expect(await pollOnce(taskType)).toBeNull();
    expect(await queueSize(taskType, taskType)).toBe(0);

    const again = await api.request('DELETE', `/api/workflow/${workflowId}`);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ status: 409, message: expect.stringContaining('TERMINATED') });
  });

  it('pauses a run: nothing new is scheduled after the current task completes; resume schedules it', async () => {
    const [first, second] = [uniqueName('before_pause'), uniqueName('after_pause')];
    const workflowId = await api.startWorkflow(await workflowOf(first, second));
    const held = await taken(first);

    expect(await api.request('PUT', `/api/workflow/${workflowId}/pause`)).toMatchObject({ status: 200, body: '' });
    expect((await api.workflow(workflowId)).status).toBe('PAUSED');
    await report(held, 'COMPLETED');
    // The result is recorded in the same decision that would have scheduled the next task.
    const paused = await until('the first task to complete', workflowId, (workflow) => workflow.tasks[0].status === 'COMPLETED');
    expect(paused.status).toBe('PAUSED');
    expect(paused.tasks).toHaveLength(1);
    expect(await pollOnce(second)).toBeNull();

    expect(await api.request('PUT', `/api/workflow/${workflowId}/resume`)).toMatchObject({ status: 200, body: '' });
    const resumed = await api.workflow(workflowId);
    expect(resumed.status).toBe('RUNNING');
    expect(resumed.tasks.map((task: any) => [task.taskType, task.status])).toEqual([
      [first, 'COMPLETED'],
      [second, 'SCHEDULED'],
    ]);
    await report(await taken(second), 'COMPLETED');
    await until('the run to complete', workflowId, (workflow) => workflow.status === 'COMPLETED');
  });

  it('retries a FAILED run from its failed task, and refuses to retry a running one with a 409', async () => {
    const [first, second] = [uniqueName('steady'), uniqueName('flaky')];
    expect((await api.request('POST', '/api/metadata/taskdefs', [{ name: second, retryCount: 0 }])).status).toBe(200);
    const workflowId = await api.startWorkflow(await workflowOf(first, second));

    const running = await api.request('POST', `/api/workflow/${workflowId}/retry`);
    expect(running.status).toBe(409);
    expect(running.body.message).toContain('RUNNING');

    await report(await taken(first), 'COMPLETED');
    const failedAttempt = await taken(second);
    await report(failedAttempt, 'FAILED', { reasonForIncompletion: 'printer on fire' });
    const failed = await until('the run to fail', workflowId, (workflow) => workflow.status === 'FAILED');
    expect(failed.reasonForIncompletion).toContain('printer on fire');
    expect(failed.endTime).toBeGreaterThan(0);

    expect(await api.request('POST', `/api/workflow/${workflowId}/retry`)).toMatchObject({ status: 204, body: '' });
    const retried = await api.workflow(workflowId);
    expect(retried.status).toBe('RUNNING');
    // From the failed task: the completed one is not run again.
    expect(retried.tasks.map((task: any) => [task.taskType, task.status])).toEqual([
      [first, 'COMPLETED'],
      [second, 'FAILED'],
      [second, 'SCHEDULED'],
    ]);
    expect(retried.tasks[2].retriedTaskId).toBe(failedAttempt.taskId);

    const retry = await taken(second);
    expect(retry.taskId).toBe(retried.tasks[2].taskId);
    await report(retry, 'COMPLETED');
    await until('the retried run to complete', workflowId, (workflow) => workflow.status === 'COMPLETED');
  });

  it('restarts a COMPLETED run from its first task, with the same input and map', async () => {
    const taskType = uniqueName('again');
    const domain = uniqueName('blue');
    const workflowId = await api.startWorkflow(await workflowOf(taskType), { [taskType]: domain }, { order: 7 });
    await report(await taken(taskType, domain), 'COMPLETED');
    const completed = await until('the run to complete', workflowId, (workflow) => workflow.status === 'COMPLETED');

    expect(await api.request('POST', `/api/workflow/${workflowId}/restart`)).toMatchObject({ status: 204, body: '' });
    const restarted = await api.workflow(workflowId);
    expect(restarted).toMatchObject({ status: 'RUNNING', input: { order: 7 }, taskToDomain: { [taskType]: domain }, endTime: 0 });
    expect(restarted.startTime).toBeGreaterThanOrEqual(completed.endTime);
    expect(restarted.tasks.map((task: any) => [task.taskType, task.status, task.domain])).toEqual([[taskType, 'SCHEDULED', domain]]);

    const again = await taken(taskType, domain);
    expect(again.taskId).toBe(restarted.tasks[0].taskId);
    await report(again, 'COMPLETED');
    await until('the restarted run to complete', workflowId, (workflow) => workflow.status === 'COMPLETED');
  });

  it('applies a new taskToDomain to the next task scheduled, and keeps the earlier map in the history', async () => {
    const [first, second] = [uniqueName('mapped_first'), uniqueName('mapped_second')];
    const [blue, green] = [uniqueName('blue'), uniqueName('green')];
    const workflowId = await api.startWorkflow(await workflowOf(first, second), { '*': blue });
    const waiting = await until('the first task to be scheduled', workflowId, (workflow) => workflow.tasks.length === 1);
    expect(waiting.tasks[0].domain).toBe(blue);

    expect(await api.request('PUT', `/api/workflow/${workflowId}/taskToDomain`, { [second]: green })).toMatchObject({ status: 204, body: '' });
    const changed = await api.workflow(workflowId);
    expect(changed.taskToDomain).toEqual({ [second]: green });
    expect(changed.taskToDomainHistory).toEqual([{ taskToDomain: { '*': blue }, replacedAt: expect.any(Number) }]);
    // Without reroute, the task already waiting stays where it is.
    expect(changed.tasks.map((task: any) => [task.status, task.domain])).toEqual([['SCHEDULED', blue]]);

    await report(await taken(first, blue), 'COMPLETED');
    const next = await taken(second, green);
    expect(next).toMatchObject({ domain: green, workflowInstanceId: workflowId });
    await report(next, 'COMPLETED');
    await until('the run to complete', workflowId, (workflow) => workflow.status === 'COMPLETED');
  });

  it('moves the waiting task with ?reroute=true: its attempt CANCELED, a new one in the new domain', async () => {
    const taskType = uniqueName('rerouted');
    const [dead, alive] = [uniqueName('dead_pool'), uniqueName('live_pool')];
    const workflowId = await api.startWorkflow(await workflowOf(taskType), { [taskType]: dead });
    await waitFor('the task message in its queue', async () => (await queueSize(`${taskType}@${dead}`, taskType)) === 1);

    expect(await api.request('PUT', `/api/workflow/${workflowId}/taskToDomain?reroute=true`, { [taskType]: alive })).toMatchObject({ status: 204 });
    const moved = await api.workflow(workflowId);
    expect(moved.tasks.map((task: any) => [task.status, task.domain])).toEqual([
      ['CANCELED', dead],
      ['SCHEDULED', alive],
    ]);
    expect(moved.tasks[1].retriedTaskId).toBe(moved.tasks[0].taskId);
    expect(moved.tasks[1].routing.replaces).toMatchObject({ taskId: moved.tasks[0].taskId, domain: dead, status: 'CANCELED', moved: true });

    // The old attempt's message is skipped when taken; the new one is handed out in the new domain.
    expect(await pollOnce(taskType, dead)).toBeNull();
    const rerouted = await taken(taskType, alive);
    expect(rerouted.taskId).toBe(moved.tasks[1].taskId);
    await report(rerouted, 'COMPLETED');
    await until('the run to complete', workflowId, (workflow) => workflow.status === 'COMPLETED');
  });

  it('refuses a bad map with a 400 naming the field, and changes nothing', async () => {
    const taskType = uniqueName('badly_mapped');
    const workflowId = await api.startWorkflow(await workflowOf(taskType));
    const refused = await api.request('PUT', `/api/workflow/${workflowId}/taskToDomain`, { [taskType]: 'NO_DOMAIN,blue' });
    expect(refused.status).toBe(400);
    expect(refused.body.validationErrors).toEqual([expect.objectContaining({ field: `taskToDomain.${taskType}` })]);
    const badFlag = await api.request('PUT', `/api/workflow/${workflowId}/taskToDomain?reroute=maybe`, { [taskType]: 'blue' });
    expect(badFlag.status).toBe(400);
    expect(badFlag.body.validationErrors).toEqual([expect.objectContaining({ field: 'reroute' })]);
    const workflow = await api.workflow(workflowId);
    expect([workflow.taskToDomain, workflow.taskToDomainHistory]).toEqual([{}, []]);
  });

  it.each([
    ['DELETE', ''],
    ['PUT', '/pause'],
    ['PUT', '/resume'],
    ['POST', '/retry'],
    ['POST', '/restart'],
    ['PUT', '/taskToDomain'],
  ])('answers %s /api/workflow/{unknown id}%s with a 404', async (method, action) => {
    const response = await api.request(method, `/api/workflow/${uniqueName('nobody')}${action}`, method === 'PUT' && action === '/taskToDomain' ? {} : undefined);
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ status: 404 });
  });

  describe('search', () => {
    const search = (parameters: Record<string, string>) => api.request('GET', `/api/workflow/search?${new URLSearchParams(parameters)}`);
    /** Waits until search, which reads a projection a moment behind the log, answers what `holds` wants. */
    const searched = (description: string, parameters: Record<string, string>, holds: (result: any) => boolean) =>
      waitFor(`search to answer ${description}`, async () => {
        const response = await search(parameters);
        return response.status === 200 && holds(response.body) ? response.body : undefined;
      });
    const idsOf = (result: any): string[] => result.results.map((summary: any) => summary.workflowId);

    it('finds runs by workflowType, status and startTime, newest first, in Conductor\'s SearchResult shape', async () => {
      const taskType = uniqueName('searched');
      const workflowName = await workflowOf(taskType);
      const first = await api.startWorkflow(workflowName, undefined, { n: 1 });
      const second = await api.startWorkflow(workflowName, undefined, { n: 2 });
      const third = await api.startWorkflow(workflowName, undefined, { n: 3 });
      await api.request('DELETE', `/api/workflow/${first}?reason=not%20needed`);

      const all = await searched('three runs of the type', { query: `workflowType = ${workflowName}` }, (result) => result.totalHits === 3);
      expect(idsOf(all)).toEqual([third, second, first]);
      const newest = await api.workflow(third);
      expect(all.results[0]).toMatchObject({
        workflowType: workflowName,
        version: 1,
        workflowId: third,
        status: 'RUNNING',
        startTime: new Date(newest.startTime).toISOString(),
        input: JSON.stringify({ n: 3 }),
        output: '{}',
        executionTime: 0,
        failedReferenceTaskNames: '',
      });

      const terminated = await searched('the terminated run', { query: `workflowType = ${workflowName} AND status = TERMINATED` }, (result) => result.totalHits === 1);
      expect(terminated.results[0]).toMatchObject({ workflowId: first, status: 'TERMINATED', reasonForIncompletion: 'not needed' });
      expect(Date.parse(terminated.results[0].endTime)).toBeGreaterThan(0);
      const running = await search({ query: `workflowType = ${workflowName} AND status IN (RUNNING, PAUSED)` });
      expect(idsOf(running.body)).toEqual([third, second]);

      const secondStart = (await api.workflow(second)).startTime;
      const later = await search({ query: `workflowType = ${workflowName} AND startTime >= ${secondStart}` });
      expect(idsOf(later.body)).toEqual([third, second]);
      const earlier = await search({ query: `workflowType = ${workflowName} AND startTime < ${secondStart}` });
      expect(idsOf(earlier.body)).toEqual([first]);

      const paged = await search({ query: `workflowType = ${workflowName}`, start: '1', size: '1' });
      expect(paged.body).toMatchObject({ totalHits: 3, results: [expect.objectContaining({ workflowId: second })] });
    });

    it('finds a run by a free-text word of its correlation id, type or id', async () => {
      const workflowName = await workflowOf(uniqueName('free_text'));
      const correlationId = uniqueName('order');
      const started = await api.request('POST', '/api/workflow', { name: workflowName, version: 1, correlationId });
      const workflowId = started.body as string;

      const byCorrelation = await searched('the run by its correlation id', { freeText: correlationId }, (result) => result.totalHits === 1);
      expect(byCorrelation.results[0]).toMatchObject({ workflowId, correlationId });
      expect(idsOf((await search({ freeText: workflowName.toUpperCase() })).body)).toEqual([workflowId]);
      expect(idsOf((await search({ freeText: workflowId })).body)).toEqual([workflowId]);
    });

    it('finds the runs with a task waiting in a domain, and lets them go once the task is done', async () => {
      const taskType = uniqueName('pooled');
      const pool = uniqueName('pool');
      const workflowName = await workflowOf(taskType);
      const waiting = await api.startWorkflow(workflowName, { [taskType]: pool });
      await api.startWorkflow(workflowName);

      const inPool = await searched('the run waiting in the pool', { domain: pool }, (result) => result.totalHits === 1);
      expect(idsOf(inPool)).toEqual([waiting]);
      // Held by a worker (IN_PROGRESS) it still waits there.
      const held = await taken(taskType, pool);
      await until('the task to be held', waiting, (workflow) => workflow.tasks[0].status === 'IN_PROGRESS');
      expect(idsOf((await search({ domain: pool, query: 'status = RUNNING' })).body)).toEqual([waiting]);

      await report(held, 'COMPLETED');
      await searched('no run waiting in the pool', { domain: pool }, (result) => result.totalHits === 0);
    });

    it('refuses a malformed query with a 400 naming query', async () => {
      const response = await search({ query: 'workflowType = ' });
      expect(response.status).toBe(400);
      expect(response.body.validationErrors).toEqual([expect.objectContaining({ field: 'query' })]);
    });
  });
});
