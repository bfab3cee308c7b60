import { migratedDatabaseForSuite } from '../../../test/support/migrated-database';
import { aDeadLetter } from './dead-letters.test-support';
import { listDeadLetters } from './list-dead-letters';
import { recordDeadLetter } from './record-dead-letter';
import { trimDeadLetters } from './trim-dead-letters';

describe('trimDeadLetters', () => {
  const fixture = migratedDatabaseForSuite('trim_dead_letters');

  it('keeps the newest by arrival, whatever their time says, and deletes nothing when there are no more', async () => {
    // Arrival order is not time order: a letter dead-lettered earlier may reach the list later.
    for (const [index, letterId] of ['a', 'b', 'c', 'd', 'e'].entries()) {
      await recordDeadLetter(fixture.db, aDeadLetter(letterId, { deadLetteredAt: 1_000 - index }));
    }
    expect(await trimDeadLetters(fixture.db, 3)).toBe(2);
    expect((await listDeadLetters(fixture.db, 0, 10)).results.map((letter) => letter.letterId)).toEqual(['e', 'd', 'c']);
    expect(await trimDeadLetters(fixture.db, 3)).toBe(0);
    expect(await trimDeadLetters(fixture.db, 10)).toBe(0);
    expect((await listDeadLetters(fixture.db, 0, 10)).totalHits).toBe(3);
  });
});
