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
  TASK_RESULTS_EXCHANGE,
  assertTaskQueue,
} from '@turnout/messaging';
import { type TestDatabase, amqpUrl, createTestDatabase, uniqueName } from '../support/services';
import { TurnoutClient } from '../support/turnout-client';
import { type RunningTurnout, startTurnout } from '../support/turnout-process';
import { waitFor } from '../support/wait-for';

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
    turnout = await startTurnout({ DATABASE_URL: database.url, AMQP_URL: broker, RELAY_POLL_MS: '200' });
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

  /**
   * Takes one task message on a connection of its own: RabbitMQ 3.10 may close the
   * connection (541 noproc) on a basic.get that comes as a quorum queue is being created.
   */
  async function takeTask(queueName: string): Promise<any> {
    await assertTaskQueue(channel, queueName);
    const message = await waitFor(`a task in ${queueName}`, async () => {
      const taker = await amqp.connect(broker);
      taker.on('error', () => undefined);
      try {
        const takerChannel = await taker.createChannel();
        return await takerChannel.get(queueName, { noAck: true });
      } finally {
        await taker.close().catch(() => undefined);
      }
    });
    return JSON.parse(message.content.toString());
  }

  async function deadLetterWithId(messageId: string): Promise<amqp.GetMessage> {
    return waitFor(`dead letter ${messageId}`, async () => {
      const message = await channel.get(deadLetters, { noAck: true });
      return message !== false && message.properties.messageId === messageId ? message : undefined;
    });
  }

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
  ])('dead-letters %s with the reason', async (_scenario, exchange, body, reason) => {
    const messageId = uniqueName('bad');
    await publish(exchange, '', body, { messageId });
    const deadLetter = await deadLetterWithId(messageId);
    expect(String(deadLetter.properties.headers?.[DEAD_LETTER_REASON_HEADER])).toContain(reason);
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
