import { createMigratedDatabase } from '../../../test/support/migrated-database';
import { readSightings } from './read-sightings';
import { recordSightings } from './record-sightings';

describe('recordSightings / readSightings', () => {
  let fixture: Awaited<ReturnType<typeof createMigratedDatabase>>;

  beforeAll(async () => {
    fixture = await createMigratedDatabase('presence');
  });
  afterAll(() => fixture?.close());

  const sighting = (workerId: string, seenAt: number, gone = false, domain: string | null = 'doug') => ({
    taskType: 'hello_world',
    domain,
    workerId,
    seenAt,
    gone,
  });

  it('keeps the newest sighting of each worker, whatever the order they arrive in', async () => {
    await recordSightings(fixture.db, [sighting('w1', 2_000_000)], 'amqp');
    await recordSightings(fixture.db, [sighting('w1', 1_000_000)], 'amqp');
    await recordSightings(fixture.db, [sighting('w1', 2_000_000)], 'amqp');

    const rows = (await readSightings(fixture.db, 0)).filter((row) => row.workerId === 'w1');
    expect(rows).toEqual([expect.objectContaining({ seenAt: 2_000_000, gone: false, domain: 'doug', transport: 'amqp' })]);
  });

  it('marks a worker gone only by a sighting at least as new as its last heartbeat', async () => {
    await recordSightings(fixture.db, [sighting('w2', 5_000_000)], 'amqp');
    await recordSightings(fixture.db, [sighting('w2', 4_000_000, true)], 'amqp');
    expect((await readSightings(fixture.db, 0)).find((row) => row.workerId === 'w2')?.gone).toBe(false);

    await recordSightings(fixture.db, [sighting('w2', 6_000_000, true)], 'amqp');
    expect((await readSightings(fixture.db, 0)).find((row) => row.workerId === 'w2')?.gone).toBe(true);
  });

  it('stores no domain apart from a domain, and reads it back as null', async () => {
    await recordSightings(fixture.db, [sighting('w3', 7_000_000, false, null), sighting('w3', 7_000_000, false, 'x')], 'http');
    const rows = (await readSightings(fixture.db, 0)).filter((row) => row.workerId === 'w3');
    expect(rows.map((row) => row.domain).sort()).toEqual([null, 'x'].sort());
  });

  it('reads only what changed after a revision', async () => {
    const before = Math.max(...(await readSightings(fixture.db, 0)).map((row) => row.revision));
    await recordSightings(fixture.db, [sighting('w4', 8_000_000)], 'amqp');
    const changed = await readSightings(fixture.db, before);
    expect(changed.map((row) => row.workerId)).toEqual(['w4']);
  });
});
