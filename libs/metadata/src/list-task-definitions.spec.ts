import { migratedDatabaseForSuite } from '../../../test/support/migrated-database';
import { listTaskDefinitions } from './list-task-definitions';
import { saveTaskDefinitions } from './save-task-definitions';

describe('listTaskDefinitions', () => {
  const fixture = migratedDatabaseForSuite('taskdefs_list');

  it('answers nothing when none is registered, then every definition by name, as stored', async () => {
    expect(await listTaskDefinitions(fixture.db)).toEqual([]);
    await saveTaskDefinitions(fixture.db, [{ name: 'send_mail', retryCount: 2, description: 'mail' }, { name: 'charge', retryCount: 0 }]);
    expect(await listTaskDefinitions(fixture.db)).toEqual([{ name: 'charge', retryCount: 0 }, { name: 'send_mail', retryCount: 2, description: 'mail' }]);
  });
});
