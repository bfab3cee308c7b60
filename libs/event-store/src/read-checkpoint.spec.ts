import { eventStoreDatabaseForEachTest } from '../../../test/support/event-store-database';
import { readCheckpoint } from './read-checkpoint';
import { START_CHECKPOINT } from './stored-event';

describe('readCheckpoint', () => {
  const store = eventStoreDatabaseForEachTest('read_checkpoint', { poolSize: 2 });

  it('starts a subscription that never stored a checkpoint at the beginning of the log', async () => {
    expect(await readCheckpoint(store.db, 'newcomer')).toEqual(START_CHECKPOINT);
  });

  it("reads the subscription's own checkpoint, exact beyond 2^53", async () => {
    await store.db.query(
      `insert into turnout_subscriptions (name, last_transaction_id, last_position)
       values ('relay', '9007199254740993'::xid8, 9007199254740995), ('other', '5'::xid8, 6)`,
    );

    expect(await readCheckpoint(store.db, 'relay')).toEqual({ transactionId: '9007199254740993', globalPosition: '9007199254740995' });
    expect(await readCheckpoint(store.db, 'other')).toEqual({ transactionId: '5', globalPosition: '6' });
  });
});
