import { eventStoreDatabaseForEachTest } from '../../../test/support/event-store-database';
import { appendToStream } from './append-to-stream';
import { readStream } from './read-stream';

describe('readStream', () => {
  const store = eventStoreDatabaseForEachTest('read_stream', { poolSize: 2 });

  const counted = (n: number) => ({ type: 'Counted', data: { n } });

  it('reads a stream no one wrote to as empty, at version 0', async () => {
    expect(await readStream(store.db, 'nobody')).toEqual({ streamVersion: 0, events: [] });
  });

  it("reads a stream's own events in version order, as the log stored them", async () => {
    await appendToStream(store.db, 'mine', 0, [counted(1), counted(2)]);
    await appendToStream(store.db, 'theirs', 0, [counted(10)]);
    await appendToStream(store.db, 'mine', 2, [{ type: 'Noted', data: { n: 3 }, metadata: { correlationId: 'c-1' } }]);

    const stream = await readStream(store.db, 'mine');

    expect(stream.streamVersion).toBe(3);
    expect(stream.events.map((e) => [e.streamId, e.streamVersion, e.type, e.data.n, e.metadata])).toEqual([
      ['mine', 1, 'Counted', 1, null],
      ['mine', 2, 'Counted', 2, null],
      ['mine', 3, 'Noted', 3, { correlationId: 'c-1' }],
    ]);
    const [first] = stream.events;
    // Bigints stay exact as strings; the transaction id is the writer's xid8.
    expect(first.globalPosition).toMatch(/^\d+$/);
    expect(first.transactionId).toMatch(/^\d+$/);
    expect(first.createdAt).toBeInstanceOf(Date);
  });

  it("reads from a version on, still telling the stream's current version", async () => {
    await appendToStream(store.db, 'long', 0, [counted(1), counted(2), counted(3), counted(4)]);

    const tail = await readStream(store.db, 'long', 3);
    expect(tail.streamVersion).toBe(4);
    expect(tail.events.map((e) => e.streamVersion)).toEqual([3, 4]);

    // Past the end: no events, and the version to append at next.
    expect(await readStream(store.db, 'long', 9)).toEqual({ streamVersion: 4, events: [] });
    expect(await readStream(store.db, 'nobody', 9)).toEqual({ streamVersion: 0, events: [] });
  });
});
