import { migratedDatabaseForSuite } from '../../../test/support/migrated-database';
import { findTaskDefinitions } from './find-task-definitions';
import { saveTaskDefinitions } from './save-task-definitions';

describe('saveTaskDefinitions / findTaskDefinitions', () => {
  const fixture = migratedDatabaseForSuite('taskdefs');

  it('stores a batch, replaces by name, and finds only the names asked for', async () => {
    await saveTaskDefinitions(fixture.db, [{ name: 'a', retryCount: 1 }, { name: 'b', retryCount: 2 }]);
    await saveTaskDefinitions(fixture.db, [{ name: 'a', retryCount: 5 }]);

    const found = await findTaskDefinitions(fixture.db, ['a', 'c']);
    expect([...found.keys()]).toEqual(['a']);
    expect(found.get('a')?.retryCount).toBe(5);
  });
});
