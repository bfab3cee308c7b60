import type { EventHandler } from '@turnout/domain';
import { migratedDatabaseForSuite } from '../../../test/support/migrated-database';
import { insertEventHandler } from './insert-event-handler';
import { listEventHandlers } from './list-event-handlers';

const handler = (name: string, workflow: string): EventHandler => ({
  name,
  event: 'amqp_queue:orders',
  active: true,
  actions: [{ action: 'start_workflow', expandInlineJSON: false, start_workflow: { name: workflow, version: null, correlationId: null, input: {}, taskToDomain: null } }],
});

describe('insertEventHandler', () => {
  const fixture = migratedDatabaseForSuite('event_handlers_insert');

  it('stores a new handler as registered, and refuses a second of the same name', async () => {
    expect(await insertEventHandler(fixture.db, handler('placed', 'first'))).toBe(true);
    expect(await insertEventHandler(fixture.db, handler('placed', 'second'))).toBe(false);
    expect(await listEventHandlers(fixture.db)).toEqual([handler('placed', 'first')]);
    const [row] = await fixture.db.query("select queue_name, active from turnout_event_handlers where name = 'placed'");
    expect(row).toEqual({ queue_name: 'orders', active: true });
  });
});
