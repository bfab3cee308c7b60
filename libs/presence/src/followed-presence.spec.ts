import { migratedDatabaseForSuite } from '../../../test/support/migrated-database';
import { waitFor } from '../../../test/support/wait-for';
import { FollowedPresence } from './followed-presence';
import { recordSightings } from './record-sightings';

const TIMEOUT_MS = 10_000;
// Far longer than any wait below: what the follower learns, it learns from an announcement.
const SLOW_REFRESH_MS = 600_000;

describe('FollowedPresence (an in-memory snapshot that follows the projection)', () => {
  let follower: FollowedPresence;
  const problems: string[] = [];

  // Declared before the database: after-hooks run in declaration order, and the follower reads it until it stops.
  afterAll(() => follower?.stop());
  const fixture = migratedDatabaseForSuite('followed_presence');
  beforeAll(async () => {
    await recordSightings(fixture.db, [{ taskType: 'charge_card', domain: 'pci', workerId: 'before', seenAt: Date.now(), gone: false }], 'amqp', TIMEOUT_MS);
    follower = new FollowedPresence(fixture.db, {
      refreshMs: SLOW_REFRESH_MS,
      activeWorkerTimeoutMs: TIMEOUT_MS,
      databaseUrl: fixture.database.url,
      onProblem: (message) => problems.push(message),
    });
    await follower.start();
  });

  const lastSeen = (taskType: string, domain: string | null) => follower.routingContext().presence.lastSeenAt(taskType, domain);

  it('starts with what the projection held', () => {
    expect(lastSeen('charge_card', 'pci')).toEqual(expect.any(Number));
  });

  it('learns of a worker that appears, and of one that leaves, without waiting for a refresh', async () => {
    const seenAt = Date.now();
    await recordSightings(fixture.db, [{ taskType: 'send_email', domain: 'tenant_x', workerId: 'w1', seenAt, gone: false }], 'amqp', TIMEOUT_MS);
    await waitFor('the new worker in the snapshot', () => lastSeen('send_email', 'tenant_x') === seenAt, { timeoutMs: 5_000 });

    await recordSightings(fixture.db, [{ taskType: 'send_email', domain: 'tenant_x', workerId: 'w1', seenAt: seenAt + 1, gone: true }], 'amqp', TIMEOUT_MS);
    await waitFor('the worker to be gone from the snapshot', () => lastSeen('send_email', 'tenant_x') === undefined, { timeoutMs: 5_000 });
    expect(problems).toEqual([]);
  });

  it('caughtUp() waits for the announced change to be read', async () => {
    const seenAt = Date.now();
    await recordSightings(fixture.db, [{ taskType: 'send_sms', domain: null, workerId: 'w2', seenAt, gone: false }], 'amqp', TIMEOUT_MS);
    await waitFor('the announcement to be heard', async () => {
      await follower.caughtUp();
      return lastSeen('send_sms', null) === seenAt;
    }, { timeoutMs: 5_000 });
  });
});
