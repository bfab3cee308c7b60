import { eventStoreDatabaseForEachTest } from '../../../test/support/event-store-database';
import { readCheckpoint } from './read-checkpoint';
import { storeCheckpoint } from './store-checkpoint';

describe('storeCheckpoint', () => {
  const store = eventStoreDatabaseForEachTest('store_checkpoint', { poolSize: 2 });

  it("stores a subscription's first checkpoint and replaces it afterwards, one row per subscription", async () => {
    await storeCheckpoint(store.db, 'relay', { transactionId: '12345', globalPosition: '7' });
    await storeCheckpoint(store.db, 'relay', { transactionId: '12346', globalPosition: '9' });

    expect(await readCheckpoint(store.db, 'relay')).toEqual({ transactionId: '12346', globalPosition: '9' });
    expect(await store.db.query("select count(*)::int as rows from turnout_subscriptions where name = 'relay'")).toEqual([{ rows: 1 }]);
  });

  it("leaves other subscriptions' checkpoints alone", async () => {
    await storeCheckpoint(store.db, 'relay', { transactionId: '100', globalPosition: '10' });
    await storeCheckpoint(store.db, 'projection', { transactionId: '200', globalPosition: '20' });
    await storeCheckpoint(store.db, 'relay', { transactionId: '300', globalPosition: '30' });

    expect(await readCheckpoint(store.db, 'projection')).toEqual({ transactionId: '200', globalPosition: '20' });
  });

  it('keeps transaction ids and positions exact beyond 2^53', async () => {
    await storeCheckpoint(store.db, 'relay', { transactionId: '9007199254740993', globalPosition: '9007199254740995' });

    expect(await readCheckpoint(store.db, 'relay')).toEqual({ transactionId: '9007199254740993', globalPosition: '9007199254740995' });
  });
});
