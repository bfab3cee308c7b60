import type { EventHandler } from '@turnout/domain';
import { migratedDatabaseForSuite } from '../../../test/support/migrated-database';
import { insertEventHandler } from './insert-event-handler';
import { listEventHandlers } from './list-event-handlers';

const handler = (name: string, event: string, active: boolean): EventHandler => ({
  name,
  event,
  active,
  actions: [{ action: 'start_workflow', expandInlineJSON: false, start_workflow: { name: 'w', version: null, correlationId: null, input: {}, taskToDomain: null } }],
});

describe('listEventHandlers', () => {
  const fixture = migratedDatabaseForSuite('event_handlers_list');

  beforeAll(async () => {
    await insertEventHandler(fixture.db, handler('c_orders_off', 'amqp_queue:orders', false));
    await insertEventHandler(fixture.db, handler('a_orders_on', 'amqp_queue:orders', true));
    await insertEventHandler(fixture.db, handler('b_refunds_on', 'amqp:refunds', true));
  });

  const names = (handlers: EventHandler[]) => handlers.map((stored) => stored.name);

  it('lists every handler by name', async () => {
    expect(names(await listEventHandlers(fixture.db))).toEqual(['a_orders_on', 'b_refunds_on', 'c_orders_off']);
  });

  it('lists the active ones only, as the routers consume them', async () => {
    expect(names(await listEventHandlers(fixture.db, { activeOnly: true }))).toEqual(['a_orders_on', 'b_refunds_on']);
  });

  it("lists one event's handlers, active or all", async () => {
    expect(names(await listEventHandlers(fixture.db, { event: 'amqp_queue:orders' }))).toEqual(['a_orders_on', 'c_orders_off']);
    expect(names(await listEventHandlers(fixture.db, { event: 'amqp_queue:orders', activeOnly: true }))).toEqual(['a_orders_on']);
    expect(await listEventHandlers(fixture.db, { event: 'amqp:nothing' })).toEqual([]);
  });
});
