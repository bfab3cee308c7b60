import { migratedDatabaseForSuite } from '../../../test/support/migrated-database';
import { aDeadLetter } from './dead-letters.test-support';
import { listDeadLetters } from './list-dead-letters';
import { recordDeadLetter } from './record-dead-letter';

describe('recordDeadLetter', () => {
  const fixture = migratedDatabaseForSuite('record_dead_letter');

  it('keeps a dead letter as it came, binary body and properties included', async () => {
    const letter = aDeadLetter('kept', { body: Buffer.from([0xff, 0x00, 0x7b]), properties: { messageId: 'm', headers: { 'x-other': 'yes' } } });
    expect(await recordDeadLetter(fixture.db, letter)).toBe(true);
    expect((await listDeadLetters(fixture.db, 0, 10)).results).toEqual([letter]);
  });

  it('keeps a redelivered dead letter once, as first kept', async () => {
    expect(await recordDeadLetter(fixture.db, aDeadLetter('twice'))).toBe(true);
    expect(await recordDeadLetter(fixture.db, aDeadLetter('twice', { reason: 'changed' }))).toBe(false);
    const kept = (await listDeadLetters(fixture.db, 0, 10)).results.filter((letter) => letter.letterId === 'twice');
    expect(kept).toEqual([aDeadLetter('twice')]);
  });
});
