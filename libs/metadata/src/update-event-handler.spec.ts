import type { EventHandler } from '@turnout/domain';
import { migratedDatabaseForSuite } from '../../../test/support/migrated-database';
import { insertEventHandler } from './insert-event-handler';
import { listEventHandlers } from './list-event-handlers';
import { updateEventHandler } from './update-event-handler';

const handler = (name: string, event: string, active: boolean): EventHandler => ({
  name,
  event,
  active,
  actions: [{ action: 'start_workflow', expandInlineJSON: false, start_workflow: { name: 'w', version: 1, correlationId: null, input: {}, taskToDomain: null } }],
});

describe('updateEventHandler', () => {
  const fixture = migratedDatabaseForSuite('event_handlers_update');

  it('replaces the handler, its queue and activation with it', async () => {
    await insertEventHandler(fixture.db, handler('placed', 'amqp_queue:orders', true));
    expect(await updateEventHandler(fixture.db, handler('placed', 'amqp:orders.v2', false))).toBe(true);
    expect(await listEventHandlers(fixture.db)).toEqual([handler('placed', 'amqp:orders.v2', false)]);
    const [row] = await fixture.db.query("select queue_name, active from turnout_event_handlers where name = 'placed'");
    expect(row).toEqual({ queue_name: 'orders.v2', active: false });
  });

  it('answers false and stores nothing for a name not registered', async () => {
    expect(await updateEventHandler(fixture.db, handler('nobody', 'amqp:x', true))).toBe(false);
    expect((await listEventHandlers(fixture.db)).map((stored) => stored.name)).not.toContain('nobody');
  });
});
