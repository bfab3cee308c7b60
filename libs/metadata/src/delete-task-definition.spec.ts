import { migratedDatabaseForSuite } from '../../../test/support/migrated-database';
import { deleteTaskDefinition } from './delete-task-definition';
import { findTaskDefinitions } from './find-task-definitions';
import { saveTaskDefinitions } from './save-task-definitions';

describe('deleteTaskDefinition', () => {
  const fixture = migratedDatabaseForSuite('taskdefs_delete');

  it('removes the definition of that name only, and answers false when there is none', async () => {
    await saveTaskDefinitions(fixture.db, [{ name: 'gone' }, { name: 'kept' }]);
    expect(await deleteTaskDefinition(fixture.db, 'gone')).toBe(true);
    expect(await deleteTaskDefinition(fixture.db, 'gone')).toBe(false);
    expect([...(await findTaskDefinitions(fixture.db, ['gone', 'kept'])).keys()]).toEqual(['kept']);
  });
});
