import type { WorkflowTimer } from '@turnout/domain';
import { migratedDatabaseForSuite } from '../../../test/support/migrated-database';
import { timerRows } from '../../../test/support/timer-rows';
import { claimDueTimers } from './claim-due-timers';
import { deleteTimer } from './delete-timer';
import { recordTimers } from './record-timers';

describe('claimDueTimers', () => {
  const fixture = migratedDatabaseForSuite('claim_timers');

  afterEach(async () => {
    await fixture.db.query('delete from turnout_timers');
  });

  const retryOf = (workflowId: string, dueAt: number): WorkflowTimer => ({ workflowId, kind: 'RETRY', taskId: `${workflowId}-t1`, dueAt });

  it('claims only due timers, once, until the claim itself comes due, answering each as it came due', async () => {
    const past = Date.now() - 60_000;
    const later = Date.now() + 60_000;
    await recordTimers(fixture.db, [retryOf('due', past), retryOf('later', later), { workflowId: 'run', kind: 'WORKFLOW_TIMEOUT', taskId: null, dueAt: past + 1 }]);

    const claimed = await claimDueTimers(fixture.db, 10, 30_000);
    expect(claimed.map(({ timer }) => timer)).toEqual([retryOf('due', past), { workflowId: 'run', kind: 'WORKFLOW_TIMEOUT', taskId: null, dueAt: past + 1 }]);
    expect(await claimDueTimers(fixture.db, 10, 30_000)).toEqual([]);
    // The claim moved the deadline ahead: the row waits there for a router that does not finish.
    const [claimedRow] = (await timerRows(fixture.db)).filter((timer) => timer.workflowId === 'due');
    expect(claimedRow.dueAt).toBeGreaterThan(Date.now() + 20_000);
  });

  it('leaves a claim of a router that did not finish to come due again, until the timer is deleted', async () => {
    await recordTimers(fixture.db, [retryOf('abandoned', Date.now() - 1_000)]);
    // A claim of 0 ms comes due at once: as if the claimant had died.
    const [first] = await claimDueTimers(fixture.db, 10, 0);
    const [again] = await claimDueTimers(fixture.db, 10, 0);
    expect(again.id).toBe(first.id);
    expect(again.timer.dueAt).toBeGreaterThanOrEqual(first.timer.dueAt);

    await deleteTimer(fixture.db, again.id);
    expect(await claimDueTimers(fixture.db, 10, 0)).toEqual([]);
  });

  it('shares due timers between routers claiming at once: each timer goes to one of them', async () => {
    const due = Array.from({ length: 60 }, (_, n) => retryOf(`shared-${n}`, Date.now() - 1_000 - n));
    await recordTimers(fixture.db, due);
    const claims = await Promise.all([0, 1, 2].map(() => claimDueTimers(fixture.db, 25, 30_000)));
    const rest = await claimDueTimers(fixture.db, 100, 30_000);

    const ids = [...claims.flat(), ...rest].map((claimed) => claimed.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(due.length);
  });

  it('finds what is due by the index on due_at, without reading the timers that are not', async () => {
    const later = Date.now() + 3_600_000;
    await recordTimers(fixture.db, Array.from({ length: 20_000 }, (_, n) => retryOf(`idle-${n}`, later + n)));
    await fixture.db.query('analyze turnout_timers');
    const [{ 'QUERY PLAN': plan }] = await fixture.db.query(
      `explain (format json) select id, due_at from turnout_timers where due_at <= now() order by due_at limit 100 for update skip locked`,
    );
    const scans = JSON.stringify(plan);
    expect(scans).toContain('"Index Name":"turnout_timers_by_due"');
    expect(scans).not.toContain('Seq Scan');
  });
});
