/**
 * Runs started by a message (issue 10): Conductor's event handler API
 * (`/api/event`), a router consuming each active handler's queue, the run it
 * starts (input read from the payload, the action's map or the message's,
 * `event` and `startedBy`), bad messages dead-lettered with the reason, and a
 * deleted or inactive handler's queue no longer consumed.
 */
import * as amqp from 'amqplib';
import { DEAD_LETTER_EXCHANGE, DEAD_LETTER_QUEUE_HEADER, DEAD_LETTER_REASON_HEADER, assertDeadLetter } from '@turnout/messaging';
import { uniqueName } from '../support/services';
import { turnoutForSuite } from '../support/turnout-fixture';
import { waitFor } from '../support/wait-for';

describe('event handlers', () => {
  const turnout = turnoutForSuite('e2e_event_handlers');
  let connection: amqp.ChannelModel;
  let channel: amqp.ConfirmChannel;
  let deadLetters: string;
  const queuesMade: string[] = [];

  beforeAll(async () => {
    connection = await amqp.connect(turnout.broker);
    connection.on('error', () => undefined);
    channel = await connection.createConfirmChannel();
    await assertDeadLetter(channel);
    deadLetters = (await channel.assertQueue('', { exclusive: true })).queue;
    await channel.bindQueue(deadLetters, DEAD_LETTER_EXCHANGE, '');
  });

  afterAll(async () => {
    for (const queue of queuesMade) await channel?.deleteQueue(queue).catch(() => undefined);
    await connection?.close().catch(() => undefined);
  });

  async function publish(queue: string, body: unknown, messageId: string): Promise<void> {
    const content = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
    channel.sendToQueue(queue, content, { contentType: 'application/json', messageId, persistent: true });
    await channel.waitForConfirms();
  }

  /** A passive declare on a channel of its own: a missing queue closes the channel it is asked on. */
  async function queueState(queue: string): Promise<amqp.Replies.AssertQueue> {
    const probe = await connection.createChannel();
    probe.on('error', () => undefined);
    try {
      return await probe.checkQueue(queue);
    } finally {
      await probe.close().catch(() => undefined);
    }
  }

  /** The run a message started, found by the messageId its WorkflowStarted records. */
  const runStartedBy = (messageId: string, timeoutMs?: number) =>
    waitFor(
      `the run started by message ${messageId}`,
      async () => {
        const rows = await turnout.db.query(
          "select data->>'workflowId' as id from turnout_events where type = 'WorkflowStarted' and data->'startedBy'->>'messageId' = $1",
          [messageId],
        );
        return rows.rows[0]?.id as string | undefined;
      },
      { timeoutMs },
    );

  async function deadLetterWithId(messageId: string): Promise<amqp.GetMessage> {
    return waitFor(`dead letter ${messageId}`, async () => {
      const message = await channel.get(deadLetters, { noAck: true });
      return message !== false && message.properties.messageId === messageId ? message : undefined;
    });
  }

  /** A workflow of one task type, and a handler of a queue of its own that starts it; answers their names. */
  async function handlerFor(action: Record<string, unknown> = {}, fields: Record<string, unknown> = {}, actionFields: Record<string, unknown> = {}) {
    const taskType = uniqueName('evt_task');
    const workflow = uniqueName('evt_flow');
    const queue = uniqueName('evt.queue');
    const name = uniqueName('evt_handler');
    queuesMade.push(queue, taskType);
    await turnout.registerWorkflow(workflow, [taskType]);
    const registered = await turnout.api.request('POST', '/api/event', {
      name,
      event: `amqp_queue:${queue}`,
      actions: [{ action: 'start_workflow', start_workflow: { name: workflow, version: 1, ...action }, ...actionFields }],
      active: true,
      ...fields,
    });
    expect(registered).toMatchObject({ status: 200, body: '' });
    return { taskType, workflow, queue, name, event: `amqp_queue:${queue}` };
  }

  it("starts a run for each message: input read from the payload, the action's map, event and startedBy recorded", async () => {
    const handler = await handlerFor({
      input: { orderId: '${orderId}', customer: '${customer.name}', note: 'order ${orderId}' },
      correlationId: 'order-${orderId}',
      taskToDomain: { '*': 'tenant_action' },
    });
    // The api declared the queue (durable) before it answered: the message waits for a router.
    expect((await queueState(handler.queue)).queue).toBe(handler.queue);
    const messageId = uniqueName('msg');
    await publish(handler.queue, { orderId: 42, customer: { name: 'Ada' }, taskToDomain: { '*': 'tenant_message' } }, messageId);

    const workflowId = await runStartedBy(messageId);
    const run = await turnout.api.workflow(workflowId);
    expect(run).toMatchObject({
      workflowName: handler.workflow,
      status: 'RUNNING',
      correlationId: 'order-42',
      input: { orderId: 42, customer: 'Ada', note: 'order 42', 'conductor.event.messageId': messageId, 'conductor.event.name': handler.event },
      taskToDomain: { '*': 'tenant_action' },
      event: handler.event,
      startedBy: { eventHandler: handler.name, event: handler.event, messageId },
    });
    // No tenant_action worker is alive: a map without NO_DOMAIN still names the queue its last domain gives.
    expect(run.tasks).toHaveLength(1);
    expect(run.tasks[0]).toMatchObject({ taskType: handler.taskType, domain: 'tenant_action' });
  });

  it("takes the message's taskToDomain when the action has none, as Conductor's event payloads carry it", async () => {
    const handler = await handlerFor();
    const messageId = uniqueName('msg');
    await publish(handler.queue, { taskToDomain: { '*': 'tenant_message,NO_DOMAIN' } }, messageId);

    const run = await turnout.api.workflow(await runStartedBy(messageId));
    expect(run.taskToDomain).toEqual({ '*': 'tenant_message,NO_DOMAIN' });
    // No tenant_message worker is alive: NO_DOMAIN sends the task to the default queue.
    expect(run.tasks[0]).toMatchObject({ taskType: handler.taskType, domain: null });
  });

  it.each([
    [
      'a message with text PostgreSQL cannot store',
      () => Buffer.from('{"note": "a\\u0000b"}'),
      () => 'note: must not contain NUL characters or unpaired surrogates',
    ],
    ['a message that is not JSON', () => Buffer.from('{oops'), () => 'body is not JSON'],
    [
      'a message whose map cannot route the workflow',
      () => ({ taskToDomain: { '*': 'a,NO_DOMAIN,b' } }),
      (name: string) => `event handler ${name}, actions[0]: message.taskToDomain.*: NO_DOMAIN may only be the last domain`,
    ],
  ])('dead-letters %s with the reason, and starts nothing', async (_scenario, body, reason) => {
    const handler = await handlerFor();
    const messageId = uniqueName('bad');
    await publish(handler.queue, body(), messageId);
    const deadLetter = await deadLetterWithId(messageId);
    expect(String(deadLetter.properties.headers?.[DEAD_LETTER_REASON_HEADER])).toContain(reason(handler.name));
    expect(deadLetter.properties.headers?.[DEAD_LETTER_QUEUE_HEADER]).toBe(handler.queue);
    const started = await turnout.db.query("select 1 from turnout_events where type = 'WorkflowStarted' and data->'startedBy'->>'messageId' = $1", [messageId]);
    expect(started.rowCount).toBe(0);
  });

  it('dead-letters a message whose inline JSON holds text PostgreSQL cannot store, rather than failing the start on every redelivery', async () => {
    const handler = await handlerFor({ input: { text: '${note.text}' } }, {}, { expandInlineJSON: true });
    const messageId = uniqueName('inline_nul');
    // The body itself is storable: the NUL only appears once the inline JSON is read.
    await publish(handler.queue, { note: '{"text": "a\\u0000b"}' }, messageId);
    const deadLetter = await deadLetterWithId(messageId);
    expect(String(deadLetter.properties.headers?.[DEAD_LETTER_REASON_HEADER])).toBe(
      `event handler ${handler.name}, actions[0]: input.text: must not contain NUL characters or unpaired surrogates`,
    );
  });

  it('dead-letters a message whose handler names a workflow that does not exist', async () => {
    const queue = uniqueName('evt.queue');
    const name = uniqueName('evt_handler');
    queuesMade.push(queue);
    await turnout.api.request('POST', '/api/event', {
      name,
      event: `amqp:${queue}`,
      actions: [{ action: 'start_workflow', start_workflow: { name: 'never_registered' } }],
      active: true,
    });
    const messageId = uniqueName('bad');
    await publish(queue, {}, messageId);
    const deadLetter = await deadLetterWithId(messageId);
    expect(String(deadLetter.properties.headers?.[DEAD_LETTER_REASON_HEADER])).toBe(
      `event handler ${name}, actions[0]: No such workflow found by name: never_registered, version: null`,
    );
  });

  it("stops consuming an inactive handler's queue, consumes it again once active, and not at all once deleted", async () => {
    const handler = await handlerFor();
    await waitFor(`a router consuming ${handler.queue}`, async () => (await queueState(handler.queue)).consumerCount > 0);
    const body = (active: boolean) => ({
      name: handler.name,
      event: handler.event,
      actions: [{ action: 'start_workflow', start_workflow: { name: handler.workflow, version: 1 } }],
      active,
    });

    expect(await turnout.api.request('PUT', '/api/event', body(false))).toMatchObject({ status: 200 });
    await waitFor(`no consumer on ${handler.queue}`, async () => (await queueState(handler.queue)).consumerCount === 0);
    const waiting = uniqueName('msg');
    await publish(handler.queue, {}, waiting);
    // Nobody consumes the queue: the message stays in it.
    await waitFor('the message ready in the queue', async () => (await queueState(handler.queue)).messageCount === 1);

    expect(await turnout.api.request('PUT', '/api/event', body(true))).toMatchObject({ status: 200 });
    const workflowId = await runStartedBy(waiting);
    expect((await turnout.api.workflow(workflowId)).startedBy).toEqual({ eventHandler: handler.name, event: handler.event, messageId: waiting });

    expect(await turnout.api.request('DELETE', `/api/event/${handler.name}`)).toMatchObject({ status: 200, body: '' });
    await waitFor(`no consumer on ${handler.queue}`, async () => (await queueState(handler.queue)).consumerCount === 0);
    await publish(handler.queue, {}, uniqueName('msg'));
    await waitFor('the message ready in the queue', async () => (await queueState(handler.queue)).messageCount === 1);
    expect((await turnout.api.request('GET', '/api/event')).body.map((listed: any) => listed.name)).not.toContain(handler.name);
  });

  describe('the API', () => {
    it('lists handlers, all of them or those of one event (active only unless activeOnly=false)', async () => {
      const active = await handlerFor();
      const inactiveName = uniqueName('evt_handler');
      await turnout.api.request('POST', '/api/event', {
        name: inactiveName,
        event: active.event,
        actions: [{ action: 'start_workflow', start_workflow: { name: active.workflow } }],
        active: false,
      });
      const all = (await turnout.api.request('GET', '/api/event')).body.map((listed: any) => listed.name);
      expect(all).toEqual(expect.arrayContaining([active.name, inactiveName]));
      const forEvent = await turnout.api.request('GET', `/api/event/${encodeURIComponent(active.event)}`);
      expect(forEvent.body).toEqual([
        {
          name: active.name,
          event: active.event,
          active: true,
          actions: [
            {
              action: 'start_workflow',
              expandInlineJSON: false,
              start_workflow: { name: active.workflow, version: 1, correlationId: null, input: {}, taskToDomain: null },
            },
          ],
        },
      ]);
      const withInactive = await turnout.api.request('GET', `/api/event/${encodeURIComponent(active.event)}?activeOnly=false`);
      expect(withInactive.body.map((listed: any) => listed.name).sort()).toEqual([active.name, inactiveName].sort());
    });

    it('answers 400 naming the field, and which actions are supported', async () => {
      const response = await turnout.api.request('POST', '/api/event', {
        name: uniqueName('evt_handler'),
        event: 'sqs:orders',
        actions: [
          { action: 'start_workflow', start_workflow: { version: 0 } },
          { action: 'complete_task', complete_task: {} },
        ],
      });
      expect(response.status).toBe(400);
      expect(response.body.validationErrors.map(({ path, message }: any) => ({ path, message }))).toEqual([
        { path: 'event', message: expect.stringContaining('must start with amqp_queue: or amqp:') },
        { path: 'actions[0].start_workflow.name', message: 'must be a non-empty string' },
        { path: 'actions[0].start_workflow.version', message: 'must be a whole number, 1 or more' },
        { path: 'actions[1].action', message: '"complete_task" is not supported: Turnout supports start_workflow' },
      ]);
    });

    it("answers Conductor's 409 for a second handler of a name, 404 for an update or a delete of an unknown one", async () => {
      const handler = await handlerFor();
      const body = { name: handler.name, event: handler.event, actions: [{ action: 'start_workflow', start_workflow: { name: handler.workflow } }] };
      expect(await turnout.api.request('POST', '/api/event', body)).toMatchObject({
        status: 409,
        body: { status: 409, message: `EventHandler with name ${handler.name} already exists!`, retryable: false },
      });
      const unknown = uniqueName('nobody');
      expect(await turnout.api.request('PUT', '/api/event', { ...body, name: unknown })).toMatchObject({
        status: 404,
        body: { status: 404, message: `EventHandler with name ${unknown} not found!`, retryable: false },
      });
      expect(await turnout.api.request('DELETE', `/api/event/${unknown}`)).toMatchObject({
        status: 404,
        body: { status: 404, message: `EventHandler with name ${unknown} not found!`, retryable: false },
      });
    });
  });
});
