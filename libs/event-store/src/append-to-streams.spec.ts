import { eventStoreDatabaseForEachTest } from '../../../test/support/event-store-database';
import { appendToStream } from './append-to-stream';
import { appendToStreams } from './append-to-streams';
import { BatchedAppender } from './batched-appender';
import { readStream } from './read-stream';
import { VersionConflictError } from './version-conflict-error';

describe('appendToStreams (group commit)', () => {
  const store = eventStoreDatabaseForEachTest('append_many', { poolSize: 4 });

  const event = (n: number) => ({ type: 'Counted', data: { n } });

  it('appends to many streams in one statement, each at its own expected version', async () => {
    await appendToStream(store.db, 'many-a', 0, [event(1)]);
    const results = await appendToStreams(store.db, [
      { streamId: 'many-a', expectedVersion: 1, events: [event(2), event(3)] },
      { streamId: 'many-b', expectedVersion: 0, events: [event(1)] },
    ]);
    const [a, b] = [(await readStream(store.db, 'many-a')).events, (await readStream(store.db, 'many-b')).events];
    expect(results).toEqual([
      { nextExpectedVersion: 3, lastGlobalPosition: a[2].globalPosition },
      { nextExpectedVersion: 1, lastGlobalPosition: b[0].globalPosition },
    ]);
    expect(a.map((e) => e.data.n)).toEqual([1, 2, 3]);
  });

  it('fails only the append whose stream moved on', async () => {
    await appendToStream(store.db, 'moved', 0, [event(1), event(2)]);
    const results = await appendToStreams(store.db, [
      { streamId: 'moved', expectedVersion: 1, events: [event(3)] },
      { streamId: 'fresh', expectedVersion: 0, events: [event(1)] },
    ]);
    expect(results[0]).toBeInstanceOf(VersionConflictError);
    expect(results[1]).toEqual({ nextExpectedVersion: 1, lastGlobalPosition: (await readStream(store.db, 'fresh')).events[0].globalPosition });
    expect((await readStream(store.db, 'moved')).streamVersion).toBe(2);
  });

  it('keeps two appends to one stream in one batch apart: one wins, one conflicts', async () => {
    const results = await appendToStreams(store.db, [
      { streamId: 'twice', expectedVersion: 0, events: [event(1)] },
      { streamId: 'twice', expectedVersion: 0, events: [event(10)] },
    ]);
    expect(results[0]).toMatchObject({ nextExpectedVersion: 1 });
    expect(results[1]).toBeInstanceOf(VersionConflictError);
    expect((await readStream(store.db, 'twice')).events.map((e) => e.data.n)).toEqual([1]);
  });

  it('keeps the other streams of such a batch in one statement, and appends a later one to the same stream after it', async () => {
    const counter = { statements: 0 };
    const counting = { query: (sql: string, parameters?: unknown[]) => ((counter.statements += 1), store.db.query(sql, parameters)) };
    const results = await appendToStreams(counting, [
      { streamId: 'busy', expectedVersion: 0, events: [event(1)] },
      { streamId: 'calm-1', expectedVersion: 0, events: [event(1)] },
      { streamId: 'busy', expectedVersion: 1, events: [event(2)] },
      { streamId: 'calm-2', expectedVersion: 0, events: [event(1)] },
    ]);
    expect(results.map((result) => (result instanceof VersionConflictError ? 'conflict' : result.nextExpectedVersion))).toEqual([1, 1, 2, 1]);
    expect(counter.statements).toBe(2);
    expect((await readStream(store.db, 'busy')).events.map((e) => e.data.n)).toEqual([1, 2]);
  });

  it('BatchedAppender: concurrent appends all land, with the same contract as appendToStream', async () => {
    const appender = new BatchedAppender(store.db);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => appender.append(`batched-${i}`, 0, [event(i)])),
    );
    expect(results.every((result) => result.nextExpectedVersion === 1)).toBe(true);
    await expect(appender.append('batched-0', 0, [event(0)])).rejects.toBeInstanceOf(VersionConflictError);
    const counts = await store.db.query("select count(*)::int as n from turnout_events where stream_id like 'batched-%'");
    expect(counts[0].n).toBe(50);
  });
});
