import { Client, type Notification } from 'pg';
import { migratedDatabaseForSuite } from '../../../test/support/migrated-database';
import { waitFor } from '../../../test/support/wait-for';
import { readSightings } from './read-sightings';
import { PRESENCE_CHANGED_CHANNEL, recordSightings } from './record-sightings';

const TIMEOUT_MS = 10_000;

describe('recordSightings / readSightings', () => {
  const fixture = migratedDatabaseForSuite('presence');

  const sighting = (workerId: string, seenAt: number, gone = false, domain: string | null = 'doug') => ({
    taskType: 'hello_world',
    domain,
    workerId,
    seenAt,
    gone,
  });

  it('keeps the newest sighting of each worker, whatever the order they arrive in', async () => {
    await recordSightings(fixture.db, [sighting('w1', 2_000_000)], 'amqp', TIMEOUT_MS);
    await recordSightings(fixture.db, [sighting('w1', 1_000_000)], 'amqp', TIMEOUT_MS);
    await recordSightings(fixture.db, [sighting('w1', 2_000_000)], 'amqp', TIMEOUT_MS);

    const rows = (await readSightings(fixture.db, 0)).filter((row) => row.workerId === 'w1');
    expect(rows).toEqual([expect.objectContaining({ seenAt: 2_000_000, gone: false, domain: 'doug', transport: 'amqp' })]);
  });

  it('marks a worker gone only by a sighting at least as new as its last heartbeat', async () => {
    await recordSightings(fixture.db, [sighting('w2', 5_000_000)], 'amqp', TIMEOUT_MS);
    await recordSightings(fixture.db, [sighting('w2', 4_000_000, true)], 'amqp', TIMEOUT_MS);
    expect((await readSightings(fixture.db, 0)).find((row) => row.workerId === 'w2')?.gone).toBe(false);

    await recordSightings(fixture.db, [sighting('w2', 6_000_000, true)], 'amqp', TIMEOUT_MS);
    expect((await readSightings(fixture.db, 0)).find((row) => row.workerId === 'w2')?.gone).toBe(true);
  });

  it('stores no domain apart from a domain, and reads it back as null', async () => {
    await recordSightings(fixture.db, [sighting('w3', 7_000_000, false, null), sighting('w3', 7_000_000, false, 'x')], 'http', TIMEOUT_MS);
    const rows = (await readSightings(fixture.db, 0)).filter((row) => row.workerId === 'w3');
    expect(rows.map((row) => row.domain).sort()).toEqual([null, 'x'].sort());
  });

  describe('by task results (no transport said)', () => {
    it('refreshes a known worker and keeps the transport it knows', async () => {
      await recordSightings(fixture.db, [sighting('w5', 9_000_000)], 'http', TIMEOUT_MS);
      await recordSightings(fixture.db, [sighting('w5', 9_001_000)], null, TIMEOUT_MS);
      const rows = (await readSightings(fixture.db, 0)).filter((row) => row.workerId === 'w5');
      expect(rows).toEqual([expect.objectContaining({ seenAt: 9_001_000, gone: false, transport: 'http' })]);
    });

    it('adds no worker not seen before', async () => {
      await recordSightings(fixture.db, [sighting('w6', 9_001_000)], null, TIMEOUT_MS);
      expect((await readSightings(fixture.db, 0)).filter((row) => row.workerId === 'w6')).toEqual([]);
    });

    it('does not bring back a worker that said it is gone, even with a later time (its last results read after its goodbye)', async () => {
      await recordSightings(fixture.db, [sighting('w7', 9_000_000), sighting('w8', 9_000_000)], 'amqp', TIMEOUT_MS);
      await recordSightings(fixture.db, [sighting('w7', 9_001_000, true)], 'amqp', TIMEOUT_MS);
      await recordSightings(fixture.db, [sighting('w7', 9_002_000), sighting('w8', 9_002_000)], null, TIMEOUT_MS);
      const rows = (await readSightings(fixture.db, 0)).filter((row) => row.workerId === 'w7' || row.workerId === 'w8');
      expect(rows.map(({ workerId, seenAt, gone }) => ({ workerId, seenAt, gone })).sort((a, b) => a.workerId.localeCompare(b.workerId))).toEqual([
        { workerId: 'w7', seenAt: 9_001_000, gone: true },
        { workerId: 'w8', seenAt: 9_002_000, gone: false },
      ]);
    });
  });

  it('reads only what changed after a revision', async () => {
    const before = Math.max(...(await readSightings(fixture.db, 0)).map((row) => row.revision));
    await recordSightings(fixture.db, [sighting('w4', 8_000_000)], 'amqp', TIMEOUT_MS);
    const changed = await readSightings(fixture.db, before);
    expect(changed.map((row) => row.workerId)).toEqual(['w4']);
  });

  describe('announcing changes that may move routing', () => {
    let listener: Client;
    let heard: Notification[];

    beforeAll(async () => {
      listener = new Client({ connectionString: fixture.database.url });
      await listener.connect();
      listener.on('notification', (notification) => heard.push(notification));
      await listener.query(`listen ${PRESENCE_CHANGED_CHANNEL}`);
    });
    afterAll(() => listener?.end());

    /** How many announcements `record` made: a marker notified after it arrives after them (commit order). */
    async function announcementsOf(record: () => Promise<void>): Promise<number> {
      heard = [];
      await record();
      const marker = `marker-${Math.random()}`;
      await fixture.db.query('select pg_notify($1, $2)', [PRESENCE_CHANGED_CHANNEL, marker]);
      await waitFor('the marker', () => heard.some((notification) => notification.payload === marker));
      return heard.filter((notification) => notification.payload === '').length;
    }
    const record = (...sightings: ReturnType<typeof sighting>[]) => () => recordSightings(fixture.db, sightings, 'amqp', TIMEOUT_MS);

    it('announces a worker not seen before, once per statement however many arrive', async () => {
      expect(await announcementsOf(record(sighting('a1', 10_000_000), sighting('a2', 10_000_000)))).toBe(1);
    });

    it('announces nothing for a routine heartbeat, a duplicate or an older one', async () => {
      expect(await announcementsOf(record(sighting('b1', 20_000_000)))).toBe(1);
      expect(await announcementsOf(record(sighting('b1', 20_002_000)))).toBe(0);
      expect(await announcementsOf(record(sighting('b1', 20_002_000)))).toBe(0);
      expect(await announcementsOf(record(sighting('b1', 19_000_000, true)))).toBe(0);
    });

    it('announces a worker that says it is gone, and one that comes back', async () => {
      expect(await announcementsOf(record(sighting('c1', 30_000_000)))).toBe(1);
      expect(await announcementsOf(record(sighting('c1', 30_001_000, true)))).toBe(1);
      expect(await announcementsOf(record(sighting('c1', 30_002_000)))).toBe(1);
    });

    it('announces nothing for a result of a worker not seen before or gone', async () => {
      const byResult = (one: ReturnType<typeof sighting>) => () => recordSightings(fixture.db, [one], null, TIMEOUT_MS);
      expect(await announcementsOf(byResult(sighting('e1', 50_000_000)))).toBe(0);
      expect(await announcementsOf(record(sighting('e2', 50_000_000)))).toBe(1);
      expect(await announcementsOf(record(sighting('e2', 50_001_000, true)))).toBe(1);
      expect(await announcementsOf(byResult(sighting('e2', 50_002_000)))).toBe(0);
    });

    it('announces a worker heard from again after a silence longer than the active timeout', async () => {
      expect(await announcementsOf(record(sighting('d1', 40_000_000)))).toBe(1);
      expect(await announcementsOf(record(sighting('d1', 40_000_000 + TIMEOUT_MS - 1)))).toBe(0);
      expect(await announcementsOf(record(sighting('d1', 40_000_000 + 2 * TIMEOUT_MS + 1)))).toBe(1);
    });
  });
});
