import { type EventHandler, EVENT_MESSAGE_ID_INPUT, EVENT_NAME_INPUT, eventQueueOf, eventRunStartOf, validateEventHandler } from './event-handler';

const handlerBody = (fields: Record<string, unknown> = {}, action: Record<string, unknown> = {}) => ({
  name: 'orders_placed',
  event: 'amqp_queue:orders.placed',
  actions: [{ action: 'start_workflow', start_workflow: { name: 'fulfil_order', version: 2, input: { orderId: '${orderId}' }, ...action } }],
  active: true,
  ...fields,
});

function accepted(raw: unknown): EventHandler {
  const result = validateEventHandler(raw);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.value;
}

function refused(raw: unknown) {
  const result = validateEventHandler(raw);
  if (result.ok) throw new Error('expected the handler to be refused');
  return result.errors;
}

describe('validateEventHandler', () => {
  it("accepts Conductor's body with amqp_queue: or amqp:", () => {
    expect(accepted(handlerBody())).toEqual({
      name: 'orders_placed',
      event: 'amqp_queue:orders.placed',
      active: true,
      actions: [
        {
          action: 'start_workflow',
          expandInlineJSON: false,
          start_workflow: { name: 'fulfil_order', version: 2, correlationId: null, input: { orderId: '${orderId}' }, taskToDomain: null },
        },
      ],
    });
    expect(accepted(handlerBody({ event: 'amqp:orders' })).event).toBe('amqp:orders');
  });

  it('reads an absent `active` as false, as Conductor does', () => {
    const { active: _active, ...body } = handlerBody();
    expect(accepted(body).active).toBe(false);
  });

  it('keeps the action map as written once its form is checked', () => {
    expect(accepted(handlerBody({}, { taskToDomain: { '*': 'tenant_x,NO_DOMAIN' } })).actions[0].start_workflow.taskToDomain).toEqual({ '*': 'tenant_x,NO_DOMAIN' });
  });

  it.each([
    [{ event: 'kafka:orders' }, 'event', 'must start with amqp_queue: or amqp:'],
    [{ event: 'amqp_queue:' }, 'event', 'names no queue'],
    [{ event: 'amqp: orders' }, 'event', 'white space'],
    [{ event: `amqp:${'q'.repeat(256)}` }, 'event', '256 bytes'],
    [{ event: 'amqp:orders\u0007' }, 'event', 'must not contain control characters'],
    [{ event: 'amqp:amq.gen-123' }, 'event', 'reserved'],
    [{ event: 'amqp:turnout.router.task-results' }, 'event', 'reserved'],
    [{ name: '' }, 'name', 'non-empty'],
    [{ actions: [] }, 'actions', 'non-empty list'],
    [{ active: 'yes' }, 'active', 'true or false'],
    [{ condition: '$.type == "x"' }, 'condition', 'not supported'],
  ])('refuses %j at %s', (fields, path, message) => {
    expect(refused(handlerBody(fields))).toEqual([{ path, message: expect.stringContaining(message) }]);
  });

  it('names the field path of a bad start_workflow', () => {
    expect(refused(handlerBody({}, { name: '', version: 0, input: [], taskToDomain: { t: 'a,NO_DOMAIN,b' } }))).toEqual([
      { path: 'actions[0].start_workflow.name', message: 'must be a non-empty string' },
      { path: 'actions[0].start_workflow.version', message: 'must be a whole number, 1 or more' },
      { path: 'actions[0].start_workflow.input', message: 'must be an object' },
      { path: 'actions[0].start_workflow.taskToDomain.t', message: expect.stringContaining('NO_DOMAIN may only be the last') },
    ]);
  });

  it('refuses a start_workflow name no workflow can be registered under (the rules of names)', () => {
    expect(refused(handlerBody({}, { name: 'orders@doug' }))).toEqual([
      { path: 'actions[0].start_workflow.name', message: expect.stringContaining('must not contain "@"') },
    ]);
    expect(refused(handlerBody({}, { name: 'x'.repeat(256) }))).toEqual([
      { path: 'actions[0].start_workflow.name', message: expect.stringContaining('is 256 bytes; RabbitMQ allows 255') },
    ]);
  });

  it("refuses Conductor's other actions, saying which are supported", () => {
    const errors = refused(handlerBody({ actions: [{ action: 'complete_task', complete_task: {} }] }));
    expect(errors).toEqual([{ path: 'actions[0].action', message: '"complete_task" is not supported: Turnout supports start_workflow' }]);
  });

  it('refuses what is not an object', () => {
    expect(refused([])).toEqual([{ path: 'body', message: expect.stringContaining('EventHandler') }]);
    expect(refused(handlerBody({ actions: [{ action: 'start_workflow' }] }))).toEqual([
      { path: 'actions[0].start_workflow', message: expect.stringContaining('must be an object') },
    ]);
  });
});

describe('eventQueueOf', () => {
  it('strips either prefix, and answers null for other events', () => {
    expect(eventQueueOf('amqp_queue:a.b')).toBe('a.b');
    expect(eventQueueOf('amqp:a.b')).toBe('a.b');
    expect(eventQueueOf('sqs:a')).toBeNull();
  });
});

describe('eventRunStartOf', () => {
  const trigger = { eventHandler: 'orders_placed', event: 'amqp_queue:orders.placed', messageId: 'm-1' };

  it("reads the input from the payload, adds Conductor's event fields, and records the trigger", () => {
    const handler = accepted(handlerBody({}, { correlationId: 'order-${orderId}' }));
    expect(eventRunStartOf(handler, 0, { orderId: 7 }, 'm-1')).toEqual({
      name: 'fulfil_order',
      version: 2,
      input: { orderId: 7, [EVENT_MESSAGE_ID_INPUT]: 'm-1', [EVENT_NAME_INPUT]: 'amqp_queue:orders.placed' },
      correlationId: 'order-7',
      taskToDomain: { raw: undefined, path: 'message.taskToDomain' },
      startedBy: trigger,
    });
  });

  it("takes the action's map over the message's", () => {
    const handler = accepted(handlerBody({}, { taskToDomain: { '*': 'pool_a' } }));
    expect(eventRunStartOf(handler, 0, { taskToDomain: { '*': 'pool_b' } }, null).taskToDomain).toEqual({
      raw: { '*': 'pool_a' },
      path: 'actions[0].start_workflow.taskToDomain',
    });
  });

  it("takes the message's map when the action has none", () => {
    const handler = accepted(handlerBody());
    expect(eventRunStartOf(handler, 0, { taskToDomain: { '*': 'pool_b' } }, null).taskToDomain.raw).toEqual({ '*': 'pool_b' });
  });

  it('reads JSON held in strings when the action asks for it', () => {
    const handler = accepted({
      ...handlerBody(),
      actions: [{ action: 'start_workflow', expandInlineJSON: true, start_workflow: { name: 'w', input: { id: '${body.order.id}' } } }],
    });
    expect(eventRunStartOf(handler, 0, { body: '{"order":{"id":"o-9"}}' }, null).input.id).toBe('o-9');
  });

  it('answers no correlation id when its expression finds nothing', () => {
    const handler = accepted(handlerBody({}, { correlationId: '${missing}' }));
    expect(eventRunStartOf(handler, 0, {}, null).correlationId).toBeNull();
  });
});
