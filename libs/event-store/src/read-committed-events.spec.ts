import type { QueryRunner } from 'typeorm';
import { eventStoreDatabaseForEachTest } from '../../../test/support/event-store-database';
import { waitFor } from '../../../test/support/wait-for';
import { appendToStream } from './append-to-stream';
import { declareNotAppending } from './declare-not-appending';
import { readCommittedEvents } from './read-committed-events';
import { type Checkpoint, START_CHECKPOINT, type StoredEvent } from './stored-event';

describe('readCommittedEvents (gap-safe)', () => {
  const transactions: QueryRunner[] = [];
  // Declared before the database: after-hooks run in declaration order, and open transactions hold its pool.
  afterEach(async () => {
    for (const transaction of transactions.splice(0)) {
      if (transaction.isTransactionActive) await transaction.rollbackTransaction();
      await transaction.release();
    }
  });
  const store = eventStoreDatabaseForEachTest('committed', { poolSize: 5 });

  async function openTransaction(): Promise<QueryRunner> {
    const transaction = store.db.createQueryRunner();
    transactions.push(transaction);
    await transaction.startTransaction();
    return transaction;
  }

  const checkpointOf = (event: StoredEvent): Checkpoint => ({ transactionId: event.transactionId, globalPosition: event.globalPosition });

  /**
   * Any transaction open anywhere on the server holds the horizon back (other
   * test files share the server), so what is committed may take a moment to show.
   */
  const readUntil = (count: number, after: Checkpoint = START_CHECKPOINT) =>
    waitFor(`${count} committed events`, async () => {
      const events = await readCommittedEvents(store.db, after, 100);
      return events.length >= count && events;
    });

  it('holds back what a transaction still open wrote, and every later transaction too, until it ends', async () => {
    const early = await openTransaction();
    await appendToStream(early, 'late-committer', 0, [{ type: 'Late', data: {} }]);
    await appendToStream(store.db, 'prompt-committer', 0, [{ type: 'Prompt', data: {} }]);

    // The prompt event is committed, but a transaction older than its own is still open.
    expect(await readCommittedEvents(store.db, START_CHECKPOINT, 100)).toEqual([]);

    await early.commitTransaction();
    const events = await readUntil(2);
    expect(events.map((e) => e.type)).toEqual(['Late', 'Prompt']);
    expect(BigInt(events[0].globalPosition)).toBeLessThan(BigInt(events[1].globalPosition));
    expect(BigInt(events[0].transactionId)).toBeLessThan(BigInt(events[1].transactionId));
  });

  it('orders by transaction id, then position, and pages on both, not on position alone', async () => {
    // The first transaction takes its id first but writes last: the higher position, the lower id.
    const first = await openTransaction();
    await first.query('select pg_current_xact_id()');
    const second = await openTransaction();
    await appendToStream(second, 'second', 0, [{ type: 'Second', data: {} }]);
    await second.commitTransaction();
    await appendToStream(first, 'first', 0, [{ type: 'First', data: {} }, { type: 'FirstAgain', data: {} }]);
    await first.commitTransaction();

    const events = await readUntil(3);
    expect(events.map((e) => e.type)).toEqual(['First', 'FirstAgain', 'Second']);
    expect(BigInt(events[2].globalPosition)).toBeLessThan(BigInt(events[0].globalPosition));

    // After the first transaction's last event comes an event at a lower position.
    const nextPage = await readCommittedEvents(store.db, checkpointOf(events[1]), 100);
    expect(nextPage.map((e) => e.type)).toEqual(['Second']);
    expect(await readCommittedEvents(store.db, checkpointOf(events[2]), 100)).toEqual([]);
  });

  it('orders transaction ids as numbers: 9 before 10, and a page after 9 finds 10 and 99 (the columns come back as text)', async () => {
    // Transaction ids set by hand, far below any horizon: as in a log whose ids cross a power of ten.
    for (const [transactionId, streamId] of [['10', 'ten'], ['9', 'nine'], ['99', 'ninety-nine']]) {
      await store.db.query('insert into turnout_events (transaction_id, stream_id, stream_version, type, data) values ($1::xid8, $2, 1, $3, $4)', [
        transactionId,
        streamId,
        'Numbered',
        '{}',
      ]);
    }
    const all = await readCommittedEvents(store.db, START_CHECKPOINT, 10);
    expect(all.map((event) => event.transactionId)).toEqual(['9', '10', '99']);
    const [nine] = all;
    expect((await readCommittedEvents(store.db, checkpointOf(nine), 1)).map((event) => event.streamId)).toEqual(['ten']);
    expect((await readCommittedEvents(store.db, checkpointOf(nine), 10)).map((event) => event.streamId)).toEqual(['ten', 'ninety-nine']);
  });

  it('reads past a transaction that declared first that it appends nothing, however long it stays open', async () => {
    // A projection page: declared, then it writes (and so holds a transaction id) while others append.
    const page = await openTransaction();
    await declareNotAppending(page);
    await page.query('select pg_current_xact_id()');
    await appendToStream(store.db, 'appended-meanwhile', 0, [{ type: 'Meanwhile', data: {} }]);

    const events = await readUntil(1);
    expect(events.map((e) => e.type)).toEqual(['Meanwhile']);
    expect(page.isTransactionActive).toBe(true);
  });

  it('still waits for a transaction that declared nothing, though it has not appended yet', async () => {
    const undeclared = await openTransaction();
    await undeclared.query('select pg_current_xact_id()');
    await appendToStream(store.db, 'after-undeclared', 0, [{ type: 'After', data: {} }]);

    // It holds a transaction id below the event appended after it, and may still append: nothing is read.
    expect(await readCommittedEvents(store.db, START_CHECKPOINT, 100)).toEqual([]);
    await appendToStream(undeclared, 'undeclared', 0, [{ type: 'Undeclared', data: {} }]);
    await undeclared.commitTransaction();
    expect((await readUntil(2)).map((e) => e.type)).toEqual(['Undeclared', 'After']);
  });

  it('never returns what a transaction rolled back', async () => {
    const doomed = await openTransaction();
    await appendToStream(doomed, 'doomed', 0, [{ type: 'Doomed', data: {} }]);
    await doomed.rollbackTransaction();
    await appendToStream(store.db, 'kept', 0, [{ type: 'Kept', data: {} }]);

    const events = await readUntil(1);
    expect(events.map((e) => e.type)).toEqual(['Kept']);
  });

  it('returns at most `limit` events a page, and the pages together return the log once', async () => {
    for (let n = 1; n <= 7; n += 1) await appendToStream(store.db, `stream-${n}`, 0, [{ type: 'Counted', data: { n } }]);
    const all = await readUntil(7);

    const paged: StoredEvent[] = [];
    let after = START_CHECKPOINT;
    for (;;) {
      const page = await readCommittedEvents(store.db, after, 3);
      expect(page.length).toBeLessThanOrEqual(3);
      if (page.length === 0) break;
      paged.push(...page);
      after = checkpointOf(page[page.length - 1]);
    }
    expect(paged.map((e) => e.globalPosition)).toEqual(all.map((e) => e.globalPosition));
  });
});
