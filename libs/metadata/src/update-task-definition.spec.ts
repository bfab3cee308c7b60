import { migratedDatabaseForSuite } from '../../../test/support/migrated-database';
import { findTaskDefinitions } from './find-task-definitions';
import { saveTaskDefinitions } from './save-task-definitions';
import { updateTaskDefinition } from './update-task-definition';

describe('updateTaskDefinition', () => {
  const fixture = migratedDatabaseForSuite('taskdefs_update');

  it('replaces the definition of that name whole, and leaves the others', async () => {
    await saveTaskDefinitions(fixture.db, [{ name: 'charge', retryCount: 1, description: 'old' }, { name: 'refund', retryCount: 4 }]);
    expect(await updateTaskDefinition(fixture.db, { name: 'charge', retryCount: 3 })).toBe(true);
    const found = await findTaskDefinitions(fixture.db, ['charge', 'refund']);
    expect(found.get('charge')).toEqual({ name: 'charge', retryCount: 3 });
    expect(found.get('refund')).toEqual({ name: 'refund', retryCount: 4 });
  });

  it('answers false and creates nothing for a name not registered', async () => {
    expect(await updateTaskDefinition(fixture.db, { name: 'never_registered', retryCount: 1 })).toBe(false);
    expect((await findTaskDefinitions(fixture.db, ['never_registered'])).size).toBe(0);
  });
});
