import { CONFIG_DEFAULTS, type TurnoutConfig } from '@turnout/config';
import { type PresenceRow, readSightings } from '@turnout/presence';
import { migratedDatabaseForSuite } from '../../../../test/support/migrated-database';
import { WorkerPresenceService } from './worker-presence.service';

describe("WorkerPresenceService: the router's sightings", () => {
  const fixture = migratedDatabaseForSuite('router_presence');
  const config: TurnoutConfig = { ...CONFIG_DEFAULTS };
  // Never started: what it records is read from the table, what it applies from its snapshot.
  const presenceOf = () => new WorkerPresenceService(fixture.db, config);
  const rowOf = async (workerId: string): Promise<PresenceRow | undefined> => (await readSightings(fixture.db, 0)).find((row) => row.workerId === workerId);
  const sighting = (workerId: string, seenAt: number) => ({ taskType: 'encode', domain: 'gpu', workerId, seenAt, gone: false });

  it('records a heartbeat with its transport, and applies it to its own snapshot at once', async () => {
    const presence = presenceOf();
    await presence.sighted(sighting('beating', 1_000_000), 'http');
    expect(await rowOf('beating')).toMatchObject({ seenAt: 1_000_000, transport: 'http' });
    expect(presence.routingContext().presence.lastSeenAt('encode', 'gpu')).toBe(1_000_000);
  });

  it("records a known worker's results at most once a second, and applies every one of them", async () => {
    const presence = presenceOf();
    await presence.sighted(sighting('busy', 1_999_000), 'amqp');
    await presence.sightedByResult(sighting('busy', 2_000_000));
    await presence.sightedByResult(sighting('busy', 2_000_999));
    expect(await rowOf('busy')).toMatchObject({ seenAt: 2_000_000, transport: 'amqp' });
    expect(presence.routingContext().presence.lastSeenAt('encode', 'gpu')).toBe(2_000_999);

    await presence.sightedByResult(sighting('busy', 2_001_000));
    expect(await rowOf('busy')).toMatchObject({ seenAt: 2_001_000 });
  });

  it('does not bring back a worker by results read after its goodbye, nor add one by its results alone', async () => {
    const presence = presenceOf();
    await presence.sighted(sighting('leaving', 3_000_000), 'amqp');
    await presence.sighted({ ...sighting('leaving', 3_001_000), gone: true }, 'amqp');
    await presence.sightedByResult(sighting('leaving', 3_002_000));
    await presence.sightedByResult(sighting('stranger', 3_002_000));
    expect(await rowOf('leaving')).toMatchObject({ seenAt: 3_001_000, gone: true });
    expect(await rowOf('stranger')).toBeUndefined();
    expect(presence.routingContext().presence.lastSeenAt('encode', 'gpu')).toBeUndefined();
  });
});
