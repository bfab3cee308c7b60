import { Client } from 'pg';
import { eventStoreDatabaseForEachTest } from '../../../test/support/event-store-database';
import { waitFor } from '../../../test/support/wait-for';
import { appendToStream } from './append-to-stream';
import { EVENTS_NOTIFY_CHANNEL } from './append-to-streams';
import { readStream } from './read-stream';
import { VersionConflictError } from './version-conflict-error';

describe('appendToStream', () => {
  const store = eventStoreDatabaseForEachTest('append', { poolSize: 6 });

  const counted = (n: number) => ({ type: 'Counted', data: { n } });

  it('starts a new stream at expected version 0, numbering its events from 1', async () => {
    const result = await appendToStream(store.db, 'new-stream', 0, [counted(1), { type: 'Tagged', data: { n: 2 }, metadata: { by: 'spec' } }]);

    const stream = await readStream(store.db, 'new-stream');
    expect(result).toEqual({ nextExpectedVersion: 2, lastGlobalPosition: stream.events[1].globalPosition });
    expect(stream.events.map((e) => [e.streamVersion, e.type, e.data, e.metadata])).toEqual([
      [1, 'Counted', { n: 1 }, null],
      [2, 'Tagged', { n: 2 }, { by: 'spec' }],
    ]);
  });

  it('continues a stream from the version it is at', async () => {
    const first = await appendToStream(store.db, 'growing', 0, [counted(1), counted(2)]);
    const second = await appendToStream(store.db, 'growing', first.nextExpectedVersion, [counted(3)]);

    expect(second.nextExpectedVersion).toBe(3);
    expect(BigInt(second.lastGlobalPosition)).toBeGreaterThan(BigInt(first.lastGlobalPosition));
    expect((await readStream(store.db, 'growing')).events.map((e) => [e.streamVersion, e.data.n])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
  });

  it.each([
    ['behind the stream', 'existing', 1],
    ['ahead of the stream', 'existing', 5],
    ['other than 0 for a new stream', 'unknown', 1],
  ])('refuses an expected version %s and appends nothing', async (_case, streamId, expectedVersion) => {
    await appendToStream(store.db, 'existing', 0, [counted(1), counted(2)]);

    const refusal = await appendToStream(store.db, streamId, expectedVersion, [counted(3), counted(4)]).catch((error: unknown) => error);

    expect(refusal).toBeInstanceOf(VersionConflictError);
    expect(refusal).toMatchObject({ streamId, expectedVersion });
    const rows = await store.db.query('select stream_id, stream_version from turnout_events order by global_position');
    expect(rows).toEqual([
      { stream_id: 'existing', stream_version: 1 },
      { stream_id: 'existing', stream_version: 2 },
    ]);
  });

  it('lets exactly one of many concurrent appends with the same expected version win', async () => {
    await appendToStream(store.db, 'race', 0, [counted(1)]);

    const outcomes = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => appendToStream(store.db, 'race', 1, [counted(100 + i)])));

    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    for (const outcome of outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected')) {
      expect(outcome.reason).toBeInstanceOf(VersionConflictError);
    }
    const stream = await readStream(store.db, 'race');
    expect(stream.streamVersion).toBe(2);
    expect(stream.events).toHaveLength(2);
  });

  it('turns the loser of a race with a transaction still open into a VersionConflictError once the winner commits', async () => {
    await appendToStream(store.db, 'held', 0, [counted(1)]);
    const winner = store.db.createQueryRunner();
    const loser = store.db.createQueryRunner();
    try {
      await winner.startTransaction();
      await appendToStream(winner, 'held', 1, [counted(2)]);
      // The loser saw version 1 too, so it inserts version 2 and waits on the winner's key.
      const [{ pid }] = await loser.query('select pg_backend_pid() as pid');
      const losing = appendToStream(loser, 'held', 1, [counted(20)]).catch((error: unknown) => error);
      await waitFor('the loser to wait on the winner', async () => {
        const rows = await store.db.query("select 1 from pg_stat_activity where pid = $1 and wait_event_type = 'Lock'", [pid]);
        return rows.length === 1;
      });
      await winner.commitTransaction();

      expect(await losing).toBeInstanceOf(VersionConflictError);
      expect((await readStream(store.db, 'held')).events.map((e) => e.data.n)).toEqual([1, 2]);
    } finally {
      await winner.release();
      await loser.release();
    }
  });

  it('wakes LISTENers of turnout_events when the append commits', async () => {
    const listener = new Client({ connectionString: store.url });
    await listener.connect();
    try {
      const notifications: string[] = [];
      listener.on('notification', (notification) => notifications.push(notification.channel));
      await listener.query(`listen ${EVENTS_NOTIFY_CHANNEL}`);

      await appendToStream(store.db, 'noisy', 0, [counted(1), counted(2), counted(3)]);

      await waitFor('a notification', () => notifications.length > 0, { timeoutMs: 5_000 });
      expect(notifications[0]).toBe('turnout_events');
    } finally {
      await listener.end();
    }
  });
});
