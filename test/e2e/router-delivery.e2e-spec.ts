/**
 * The router under duplicate and bad deliveries: a redelivered task result or
 * a replayed lifecycle event changes nothing; an unparseable or invalid message is
 * dead-lettered with its reason and the router carries on.
 */
import * as amqp from 'amqplib';
import { Client } from 'pg';
import { workflowStreamId } from '@turnout/domain';
import {
  DEAD_LETTER_EXCHANGE,
  DEAD_LETTER_REASON_HEADER,
  EVENTS_EXCHANGE,
  HEARTBEATS_EXCHANGE,
  ROUTER_HEARTBEATS_QUEUE,
  ROUTER_TASK_RESULTS_QUEUE,
  TASK_RESULTS_EXCHANGE,
  assertTaskQueue,
} from '@turnout/messaging';
import { deadLetterWithId as deadLetterFrom, takeTaskMessage } from '../support/broker-queues';
import { type TestDatabase, amqpUrl, createTestDatabase, uniqueName } from '../support/services';
import { TurnoutClient } from '../support/turnout-client';
import { type RunningTurnout, startTurnout } from '../support/turnout-process';
import { waitFor } from '../support/wait-for';

/** Few, so that the list's bound shows. */
const DEAD_LETTERS_KEPT = 3;

describe('router deliveries', () => {
  let database: TestDatabase;
  let turnout: RunningTurnout;
  let api: TurnoutClient;
  let db: Client;
  let connection: amqp.ChannelModel;
  let channel: amqp.ConfirmChannel;
  let deadLetters: string;
  let broker: string;

  beforeAll(async () => {
    database = await createTestDatabase('e2e_delivery');
    broker = await amqpUrl();
    turnout = await startTurnout({ DATABASE_URL: database.url, AMQP_URL: broker, RELAY_POLL_MS: '200', DEAD_LETTERS_KEPT: String(DEAD_LETTERS_KEPT) });
    api = new TurnoutClient(turnout.baseUrl);
    db = new Client({ connectionString: database.url });
    await db.connect();
    connection = await amqp.connect(broker);
    channel = await connection.createConfirmChannel();
    deadLetters = (await channel.assertQueue('', { exclusive: true })).queue;
    await channel.bindQueue(deadLetters, DEAD_LETTER_EXCHANGE, '');
  });

  afterAll(async () => {
    await connection?.close();
    await db?.end();
    await turnout?.stop();
    await database?.drop();
  });

  const eventTypes = async (workflowId: string): Promise<string[]> =>
    (await db.query('select type from turnout_events where stream_id = $1 order by stream_version', [workflowStreamId(workflowId)])).rows.map(
      (row) => row.type,
    );

  async function publish(exchange: string, routingKey: string, body: unknown, options: amqp.Options.Publish = {}) {
    const content = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
    channel.publish(exchange, routingKey, content, { contentType: 'application/json', ...options });
    await channel.waitForConfirms();
  }

  const takeTask = (queueName: string) => takeTaskMessage(broker, channel, queueName);
  const deadLetterWithId = (messageId: string) => deadLetterFrom(channel, deadLetters, messageId);

  it('records a duplicated task result once', async () => {
    const taskType = uniqueName('dup_result');
    const workflowName = uniqueName('dup_result_workflow');
    await api.registerWorkflow(workflowName, [taskType]);
    const workflowId = await api.startWorkflow(workflowName);
    const task = await takeTask(taskType);
    const result = { taskId: task.taskId, workflowInstanceId: workflowId, status: 'COMPLETED', outputData: { n: 1 }, workerId: 'w1' };

    await publish(TASK_RESULTS_EXCHANGE, '', result);
    await publish(TASK_RESULTS_EXCHANGE, '', { ...result, outputData: { n: 2 } });
    await waitFor('the workflow to complete', async () => (await api.workflow(workflowId)).status === 'COMPLETED');
    // A third copy after completion, and a marker workflow to know the router got past it.
    await publish(TASK_RESULTS_EXCHANGE, '', result);
    const marker = await api.startWorkflow(workflowName);
    const markerTask = await takeTask(taskType);
    expect(markerTask.workflowInstanceId).toBe(marker);
    await publish(TASK_RESULTS_EXCHANGE, '', { ...result, taskId: markerTask.taskId, workflowInstanceId: marker });
    await waitFor('the marker workflow to complete', async () => (await api.workflow(marker)).status === 'COMPLETED');

    expect(await eventTypes(workflowId)).toEqual(['WorkflowStarted', 'TaskScheduled', 'TaskCompleted', 'WorkflowCompleted']);
    expect((await api.workflow(workflowId)).output).toEqual({ n: 1 });
  });

  it('schedules the first task with the start, in one append: a replayed WorkflowStarted schedules nothing, and no router queue takes it', async () => {
    const taskType = uniqueName('first_with_start');
    const workflowName = uniqueName('first_with_start_workflow');
    await api.registerWorkflow(workflowName, [taskType]);
    const workflowId = await api.startWorkflow(workflowName);
    const written = await db.query('select type, data, transaction_id from turnout_events where stream_id = $1 order by stream_version', [
      workflowStreamId(workflowId),
    ]);
    expect(written.rows.map((row: { type: string }) => row.type)).toEqual(['WorkflowStarted', 'TaskScheduled']);
    expect(new Set(written.rows.map((row: { transaction_id: string }) => row.transaction_id)).size).toBe(1);
    const task = await takeTask(taskType);

    // An observer replaying the lifecycle event changes nothing.
    await publish(EVENTS_EXCHANGE, 'WorkflowStarted', { streamId: workflowStreamId(workflowId), streamVersion: 1, type: 'WorkflowStarted', data: written.rows[0].data });
    await publish(TASK_RESULTS_EXCHANGE, '', { taskId: task.taskId, workflowInstanceId: workflowId, status: 'COMPLETED', outputData: {} });
    await waitFor('the workflow to complete', async () => (await api.workflow(workflowId)).status === 'COMPLETED');
    expect(await eventTypes(workflowId)).toEqual(['WorkflowStarted', 'TaskScheduled', 'TaskCompleted', 'WorkflowCompleted']);
  });

  it.each([
    ['a heartbeat whose worker id presence cannot record', HEARTBEATS_EXCHANGE, { taskType: 'x', domain: null, workerId: 'w'.repeat(300), at: Date.now() }, 'workerId: is 300 bytes'],
    ['a result that is not JSON', TASK_RESULTS_EXCHANGE, Buffer.from('{oops'), 'body is not JSON'],
    ['a result with an unknown status', TASK_RESULTS_EXCHANGE, { taskId: 't', workflowInstanceId: 'w', status: 'DONE' }, 'status: must be one of'],
    ['a result for a workflow that does not exist', TASK_RESULTS_EXCHANGE, { taskId: 't', workflowInstanceId: 'nope', status: 'COMPLETED' }, 'WORKFLOW_NOT_FOUND'],
    ['a heartbeat without a worker id', HEARTBEATS_EXCHANGE, { taskType: 'x', domain: null, at: Date.now() }, 'workerId: must be a non-empty string'],
    ['a heartbeat whose domain has an @', HEARTBEATS_EXCHANGE, { taskType: 'x', domain: 'a@b', workerId: 'w', at: Date.now() }, 'domain: must not contain "@"'],
    ['a result that is a JSON array', TASK_RESULTS_EXCHANGE, [{ taskId: 't' }], 'body must be a JSON object'],
    ['a result whose output is no object', TASK_RESULTS_EXCHANGE, { taskId: 't', workflowInstanceId: 'w', status: 'COMPLETED', outputData: 'done' }, 'outputData: must be an object'],
    ['a heartbeat with an absurd task type (over 255 bytes)', HEARTBEATS_EXCHANGE, { taskType: 'x'.repeat(300), domain: null, workerId: 'w', at: Date.now() }, 'taskType: queue name "xxx'],
    ['a heartbeat whose task type has control characters', HEARTBEATS_EXCHANGE, { taskType: 'bell\u0007', domain: null, workerId: 'w', at: Date.now() }, 'taskType: must not contain control characters'],
    ['a heartbeat with no time', HEARTBEATS_EXCHANGE, { taskType: 'x', domain: null, workerId: 'w', at: 'yesterday' }, 'at: must be an ISO-8601 time'],
  ])('dead-letters %s with the reason', async (_scenario, exchange, body, reason) => {
    const messageId = uniqueName('bad');
    await publish(exchange, '', body, { messageId });
    const deadLetter = await deadLetterWithId(messageId);
    expect(String(deadLetter.properties.headers?.[DEAD_LETTER_REASON_HEADER])).toContain(reason);
  });

  it('dead-letters a result for a task its run does not have, and one for an attempt that was superseded', async () => {
    const taskType = uniqueName('superseded_result');
    const workflowName = uniqueName('superseded_result_workflow');
    await api.registerWorkflow(workflowName, [taskType]);
    const workflowId = await api.startWorkflow(workflowName);
    const task = await takeTask(taskType);

    const unknown = uniqueName('unknown_task');
    await publish(TASK_RESULTS_EXCHANGE, '', { taskId: 'no-such-task', workflowInstanceId: workflowId, status: 'COMPLETED' }, { messageId: unknown });
    expect(String((await deadLetterWithId(unknown)).properties.headers?.[DEAD_LETTER_REASON_HEADER])).toBe(
      `UNKNOWN_TASK: task no-such-task does not belong to workflow ${workflowId}`,
    );

    expect((await api.request('DELETE', `/api/workflow/${workflowId}?reason=enough`)).status).toBe(200);
    const late = uniqueName('late_result');
    await publish(TASK_RESULTS_EXCHANGE, '', { taskId: task.taskId, workflowInstanceId: workflowId, status: 'COMPLETED', outputData: {} }, { messageId: late });
    expect(String((await deadLetterWithId(late)).properties.headers?.[DEAD_LETTER_REASON_HEADER])).toMatch(
      new RegExp(`^SUPERSEDED: task ${task.taskId} was superseded \\(CANCELED.*\\); its COMPLETED result changes nothing$`),
    );
    expect(await eventTypes(workflowId)).toEqual(['WorkflowStarted', 'TaskScheduled', 'TaskCanceled', 'WorkflowTerminated']);
  });

  it('lists dead letters for operators, newest first, with the reason, the queue, when, and the body as it came', async () => {
    const before = Date.now();
    const [older, newer] = [uniqueName('listed'), uniqueName('listed')];
    await publish(TASK_RESULTS_EXCHANGE, '', Buffer.from('{oops'), { messageId: older });
    // Listed before the next is published: the routers store a queue's letters concurrently.
    await waitFor(`${older} listed`, async () => (await api.request('GET', '/api/admin/dead-letters?size=1')).body.results[0]?.properties.messageId === older);
    await publish(HEARTBEATS_EXCHANGE, '', { taskType: 'x', domain: null, at: 0 }, { messageId: newer, type: 'heartbeat' });

    const listed = await waitFor('both in the dead-letter list', async () => {
      const response = await api.request('GET', '/api/admin/dead-letters?start=0&size=2');
      const ids = response.body.results.map((letter: any) => letter.properties.messageId);
      return ids[0] === newer && ids[1] === older ? response.body : undefined;
    });
    expect(listed.totalHits).toBeGreaterThanOrEqual(2);
    expect(listed.results[0]).toMatchObject({
      reason: 'workerId: must be a non-empty string',
      queue: ROUTER_HEARTBEATS_QUEUE,
      body: JSON.stringify({ taskType: 'x', domain: null, at: 0 }),
      bodyEncoding: 'utf8',
      properties: { messageId: newer, type: 'heartbeat', contentType: 'application/json' },
    });
    expect(listed.results[1]).toMatchObject({ queue: ROUTER_TASK_RESULTS_QUEUE, body: '{oops', properties: { messageId: older } });
    expect(listed.results[1].reason).toMatch(/^body is not JSON/);
    expect(listed.results[1].deadLetteredAt).toBeGreaterThanOrEqual(before);
    expect(listed.results[1].deadLetteredAt).toBeLessThanOrEqual(listed.results[0].deadLetteredAt);
    // The next page goes on from there.
    const next = await api.request('GET', '/api/admin/dead-letters?start=1&size=1');
    expect(next.body.results.map((letter: any) => letter.properties.messageId)).toEqual([older]);
  });

  it('keeps only the newest DEAD_LETTERS_KEPT dead letters', async () => {
    const published = Array.from({ length: DEAD_LETTERS_KEPT + 2 }, () => uniqueName('bounded'));
    // One at a time, each listed before the next: the routers store a queue's letters concurrently.
    for (const messageId of published) {
      await publish(TASK_RESULTS_EXCHANGE, '', Buffer.from('not json'), { messageId });
      await waitFor(`${messageId} listed first`, async () => {
        const response = await api.request('GET', '/api/admin/dead-letters?size=1');
        return response.body.results[0]?.properties.messageId === messageId;
      });
    }
    const newest = published.slice(-DEAD_LETTERS_KEPT).reverse();
    // A letter is stored, then the list trimmed: the two are a moment apart.
    const listed = await waitFor('the list trimmed to the newest', async () => {
      const response = await api.request('GET', '/api/admin/dead-letters?size=100');
      return response.body.totalHits === DEAD_LETTERS_KEPT ? response.body : undefined;
    });
    expect(listed.results.map((letter: any) => letter.properties.messageId)).toEqual(newest);
  });

  it('refuses a dead-letter page that is not a whole number, naming the field', async () => {
    const response = await api.request('GET', '/api/admin/dead-letters?size=lots');
    expect(response.status).toBe(400);
    expect(response.body.validationErrors).toEqual([expect.objectContaining({ path: 'size', message: 'must be a whole number from 0 to 1000' })]);
  });

  it('carries on routing after bad messages', async () => {
    const taskType = uniqueName('after_bad');
    const workflowName = uniqueName('after_bad_workflow');
    await api.registerWorkflow(workflowName, [taskType]);
    await publish(TASK_RESULTS_EXCHANGE, '', Buffer.from('not json at all'), { messageId: uniqueName('bad') });
    const workflowId = await api.startWorkflow(workflowName);
    const task = await takeTask(taskType);
    await publish(TASK_RESULTS_EXCHANGE, '', { taskId: task.taskId, workflowInstanceId: workflowId, status: 'COMPLETED', outputData: { ok: true } });
    const workflow = await waitFor('the workflow to complete', async () => {
      const current = await api.workflow(workflowId);
      return current.status === 'COMPLETED' ? current : undefined;
    });
    expect(workflow.output).toEqual({ ok: true });
  });

  it('dead-letters a result holding text PostgreSQL cannot store, which would fail its append on every redelivery, and takes the next', async () => {
    const taskType = uniqueName('unstorable_result');
    const workflowName = uniqueName('unstorable_result_workflow');
    await api.registerWorkflow(workflowName, [taskType]);
    const workflowId = await api.startWorkflow(workflowName);
    const task = await takeTask(taskType);
    const messageId = uniqueName('nul');
    const result = (note: string) => `{"taskId": "${task.taskId}", "workflowInstanceId": "${workflowId}", "status": "COMPLETED", "outputData": {"note": "${note}"}}`;
    await publish(TASK_RESULTS_EXCHANGE, '', Buffer.from(result('a\\u0000b')), { messageId });
    expect(String((await deadLetterWithId(messageId)).properties.headers?.[DEAD_LETTER_REASON_HEADER])).toBe(
      'outputData.note: must not contain NUL characters or unpaired surrogates',
    );
    await publish(TASK_RESULTS_EXCHANGE, '', Buffer.from(result('ab')));
    const workflow = await waitFor('the workflow to complete', async () => {
      const current = await api.workflow(workflowId);
      return current.status === 'COMPLETED' ? current : undefined;
    });
    expect(workflow.output).toEqual({ note: 'ab' });
  });
});
