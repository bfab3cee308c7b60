import { appendToStream, readCommittedEvents, START_CHECKPOINT, storeCheckpoint } from '@turnout/event-store';
import { eventStoreDatabaseForEachTest } from '../../../test/support/event-store-database';
import { waitFor } from '../../../test/support/wait-for';
import type { ReadModel } from './projection';
import { rebuildProjections } from './rebuild-projections';

const SUBSCRIPTION = 'projections';

const counted = (token: string) => ({ type: 'Counted', data: { token } });

describe('rebuildProjections', () => {
  const store = eventStoreDatabaseForEachTest('rebuild', { poolSize: 3 });

  /** A read model that keeps the tokens it was given in a table of its own. */
  async function tokenReadModel(name: string, emptied = true): Promise<ReadModel> {
    const table = `seen_by_${name}`;
    await store.db.query(`create table ${table} (token text primary key)`);
    return {
      name,
      tables: emptied ? [table] : [],
      async apply(tx, events) {
        await tx.query(`insert into ${table} (token) select unnest($1::text[]) on conflict do nothing`, [events.map((event) => event.data.token as string)]);
      },
    };
  }

  const tokensIn = async (name: string): Promise<string[]> =>
    (await store.db.query(`select token from seen_by_${name} order by token`)).map((row: { token: string }) => row.token);

  const storedCheckpoint = async (): Promise<unknown[]> =>
    store.db.query('select last_transaction_id::text, last_position::text from turnout_subscriptions where name = $1', [SUBSCRIPTION]);

  /** Appends the tokens, then stores the runner's checkpoint after the first `applied` of them, as if it had applied those. */
  async function logWithCheckpoint(tokens: string[], applied: number): Promise<void> {
    for (const [index, token] of tokens.entries()) await appendToStream(store.db, 'stream', index, [counted(token)]);
    // Readable once every older transaction of the cluster has ended, as for the runner.
    const events = await waitFor('the events to be readable', async () => {
      const read = await readCommittedEvents(store.db, START_CHECKPOINT, applied);
      return read.length === applied ? read : undefined;
    });
    const last = events[applied - 1];
    await storeCheckpoint(store.db, SUBSCRIPTION, { transactionId: last.transactionId, globalPosition: last.globalPosition });
  }

  it("empties the read models' tables and applies the log to them again, up to the runner's checkpoint, which it leaves where it is", async () => {
    const [first, second] = [await tokenReadModel('first'), await tokenReadModel('second')];
    await logWithCheckpoint(['a', 'b', 'c', 'd', 'e'], 4);
    const checkpoint = await storedCheckpoint();
    // What the tables hold is wrong in every way: a token lost, one that is in no event.
    await store.db.query(`insert into seen_by_first (token) values ('a'), ('c'), ('stray')`);
    await store.db.query(`insert into seen_by_second (token) values ('stray')`);
    const lines: string[] = [];

    const report = await rebuildProjections(store.db, [first, second], { subscriptionName: SUBSCRIPTION, pageSize: 3, onProgress: (line) => lines.push(line), progressEveryMs: 0 });

    expect(await tokensIn('first')).toEqual(['a', 'b', 'c', 'd']);
    expect(await tokensIn('second')).toEqual(['a', 'b', 'c', 'd']);
    expect(report.events).toBe(4);
    expect(await storedCheckpoint()).toEqual(checkpoint);
    expect(lines).toEqual([
      expect.stringMatching(/^rebuilding first, second from the log up to position \d+$/),
      expect.stringMatching(/^3 events applied \(position \d+ of \d+\)$/),
      expect.stringMatching(/^4 events applied/),
      'rebuilt from 4 events',
    ]);
  });

  it('gives the log to a read model without tables of its own, and leaves what its table held', async () => {
    const adding = await tokenReadModel('adding', false);
    await logWithCheckpoint(['a', 'b'], 2);
    await store.db.query(`insert into seen_by_adding (token) values ('named elsewhere')`);

    await rebuildProjections(store.db, [adding], { subscriptionName: SUBSCRIPTION, pageSize: 10, onProgress: () => undefined });

    expect(await tokensIn('adding')).toEqual(['a', 'b', 'named elsewhere']);
  });

  it('empties the tables and applies nothing when the runner has applied nothing yet', async () => {
    const first = await tokenReadModel('first');
    await appendToStream(store.db, 'stream', 0, [counted('a')]);
    await store.db.query(`insert into seen_by_first (token) values ('stray')`);

    expect((await rebuildProjections(store.db, [first], { subscriptionName: SUBSCRIPTION, pageSize: 10, onProgress: () => undefined })).events).toBe(0);
    expect(await tokensIn('first')).toEqual([]);
  });

  it('refuses a table name it would have to quote', async () => {
    const odd: ReadModel = { name: 'odd', tables: ['x; drop table turnout_events'], apply: async () => undefined };
    await expect(rebuildProjections(store.db, [odd], { subscriptionName: SUBSCRIPTION, pageSize: 10, onProgress: () => undefined })).rejects.toThrow(
      'not a table name: "x; drop table turnout_events"',
    );
  });
});
