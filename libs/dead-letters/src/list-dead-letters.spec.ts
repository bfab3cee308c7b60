import { migratedDatabaseForSuite } from '../../../test/support/migrated-database';
import { aDeadLetter } from './dead-letters.test-support';
import { listDeadLetters } from './list-dead-letters';
import { recordDeadLetter } from './record-dead-letter';

describe('listDeadLetters', () => {
  const fixture = migratedDatabaseForSuite('list_dead_letters');

  it('answers nothing, and a total of 0, when none is kept', async () => {
    expect(await listDeadLetters(fixture.db, 0, 10)).toEqual({ totalHits: 0, results: [] });
  });

  it('pages them newest first, with the total on every page, a page past the end too', async () => {
    for (const letterId of ['1', '2', '3', '4', '5']) await recordDeadLetter(fixture.db, aDeadLetter(letterId));
    const ids = async (start: number, size: number) => {
      const page = await listDeadLetters(fixture.db, start, size);
      return { totalHits: page.totalHits, ids: page.results.map((letter) => letter.letterId) };
    };
    expect(await ids(0, 2)).toEqual({ totalHits: 5, ids: ['5', '4'] });
    expect(await ids(2, 2)).toEqual({ totalHits: 5, ids: ['3', '2'] });
    expect(await ids(4, 2)).toEqual({ totalHits: 5, ids: ['1'] });
    expect(await ids(9, 2)).toEqual({ totalHits: 5, ids: [] });
    expect((await listDeadLetters(fixture.db, 0, 1)).results).toEqual([aDeadLetter('5')]);
  });
});
