import type { EventHandler } from '@turnout/domain';
import { migratedDatabaseForSuite } from '../../../test/support/migrated-database';
import { deleteEventHandler } from './delete-event-handler';
import { insertEventHandler } from './insert-event-handler';
import { listEventHandlers } from './list-event-handlers';

const handler = (name: string): EventHandler => ({
  name,
  event: 'amqp_queue:orders',
  active: true,
  actions: [{ action: 'start_workflow', expandInlineJSON: false, start_workflow: { name: 'w', version: null, correlationId: null, input: {}, taskToDomain: null } }],
});

describe('deleteEventHandler', () => {
  const fixture = migratedDatabaseForSuite('event_handlers_delete');

  it('removes the handler of that name only, and answers false when there is none', async () => {
    await insertEventHandler(fixture.db, handler('gone'));
    await insertEventHandler(fixture.db, handler('kept'));
    expect(await deleteEventHandler(fixture.db, 'gone')).toBe(true);
    expect(await deleteEventHandler(fixture.db, 'gone')).toBe(false);
    expect((await listEventHandlers(fixture.db)).map((stored) => stored.name)).toEqual(['kept']);
  });
});
