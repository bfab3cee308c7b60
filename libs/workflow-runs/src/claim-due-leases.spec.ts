import { migratedDatabaseForSuite } from '../../../test/support/migrated-database';
import { claimDueLeases } from './claim-due-leases';
import { recordTaskLease } from './record-task-lease';
import { releaseTaskLease } from './release-task-lease';

describe('task leases', () => {
  const fixture = migratedDatabaseForSuite('leases');

  it('claims only due leases, once, until the claim itself comes due', async () => {
    const past = Date.now() - 60_000;
    await recordTaskLease(fixture.db, { taskId: 'due', workflowId: 'wf', dueAt: past });
    await recordTaskLease(fixture.db, { taskId: 'later', workflowId: 'wf', dueAt: Date.now() + 60_000 });

    const claimed = await claimDueLeases(fixture.db, 10, 30_000);
    expect(claimed).toEqual([{ taskId: 'due', workflowId: 'wf', dueAt: past }]);
    expect(await claimDueLeases(fixture.db, 10, 30_000)).toEqual([]);

    // A claim of 0 ms comes due at once: a sweeper that died leaves the lease to others.
    await recordTaskLease(fixture.db, { taskId: 'due', workflowId: 'wf', dueAt: past });
    expect((await claimDueLeases(fixture.db, 10, 0)).map((lease) => lease.taskId)).toEqual(['due']);
    expect((await claimDueLeases(fixture.db, 10, 0)).map((lease) => lease.taskId)).toEqual(['due']);

    await releaseTaskLease(fixture.db, 'due');
    expect(await claimDueLeases(fixture.db, 10, 0)).toEqual([]);
  });
});
