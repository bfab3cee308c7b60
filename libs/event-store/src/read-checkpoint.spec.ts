import type { DataSource } from 'typeorm';
import { type TestDatabase, createTestDatabase } from '../../../test/support/services';
import { createDataSource, runMigrations } from './data-source';
import { EVENT_STORE_MIGRATIONS } from './migrations/1732200000000-create-event-store';
import { readCheckpoint } from './read-checkpoint';
import { START_CHECKPOINT } from './stored-event';

describe('readCheckpoint', () => {
  let database: TestDatabase;
  let db: DataSource;
  beforeEach(async () => {
    database = await createTestDatabase('read_checkpoint');
    db = createDataSource(database.url, EVENT_STORE_MIGRATIONS, { poolSize: 2 });
    await runMigrations(db);
  });
  afterEach(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('starts a subscription that never stored a checkpoint at the beginning of the log', async () => {
    expect(await readCheckpoint(db, 'newcomer')).toEqual(START_CHECKPOINT);
  });

  it("reads the subscription's own checkpoint, exact beyond 2^53", async () => {
    await db.query(
      `insert into turnout_subscriptions (name, last_transaction_id, last_position)
       values ('relay', '9007199254740993'::xid8, 9007199254740995), ('other', '5'::xid8, 6)`,
    );

    expect(await readCheckpoint(db, 'relay')).toEqual({ transactionId: '9007199254740993', globalPosition: '9007199254740995' });
    expect(await readCheckpoint(db, 'other')).toEqual({ transactionId: '5', globalPosition: '6' });
  });
});
