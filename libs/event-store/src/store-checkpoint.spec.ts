import type { DataSource } from 'typeorm';
import { type TestDatabase, createTestDatabase } from '../../../test/support/services';
import { createDataSource, runMigrations } from './data-source';
import { EVENT_STORE_MIGRATIONS } from './migrations/1732200000000-create-event-store';
import { readCheckpoint } from './read-checkpoint';
import { storeCheckpoint } from './store-checkpoint';

describe('storeCheckpoint', () => {
  let database: TestDatabase;
  let db: DataSource;
  beforeEach(async () => {
    database = await createTestDatabase('store_checkpoint');
    db = createDataSource(database.url, EVENT_STORE_MIGRATIONS, { poolSize: 2 });
    await runMigrations(db);
  });
  afterEach(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it("stores a subscription's first checkpoint and replaces it afterwards, one row per subscription", async () => {
    await storeCheckpoint(db, 'relay', { transactionId: '12345', globalPosition: '7' });
    await storeCheckpoint(db, 'relay', { transactionId: '12346', globalPosition: '9' });

    expect(await readCheckpoint(db, 'relay')).toEqual({ transactionId: '12346', globalPosition: '9' });
    expect(await db.query("select count(*)::int as rows from turnout_subscriptions where name = 'relay'")).toEqual([{ rows: 1 }]);
  });

  it("leaves other subscriptions' checkpoints alone", async () => {
    await storeCheckpoint(db, 'relay', { transactionId: '100', globalPosition: '10' });
    await storeCheckpoint(db, 'projection', { transactionId: '200', globalPosition: '20' });
    await storeCheckpoint(db, 'relay', { transactionId: '300', globalPosition: '30' });

    expect(await readCheckpoint(db, 'projection')).toEqual({ transactionId: '200', globalPosition: '20' });
  });

  it('keeps transaction ids and positions exact beyond 2^53', async () => {
    await storeCheckpoint(db, 'relay', { transactionId: '9007199254740993', globalPosition: '9007199254740995' });

    expect(await readCheckpoint(db, 'relay')).toEqual({ transactionId: '9007199254740993', globalPosition: '9007199254740995' });
  });
});
