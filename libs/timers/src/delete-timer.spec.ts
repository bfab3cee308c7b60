import { migratedDatabaseForSuite } from '../../../test/support/migrated-database';
import { timerRows } from '../../../test/support/timer-rows';
import { claimDueTimers } from './claim-due-timers';
import { deleteTimer } from './delete-timer';
import { recordTimers } from './record-timers';

describe('deleteTimer', () => {
  const fixture = migratedDatabaseForSuite('delete_timer');

  it('deletes the timer that fired and no other, not even a later deadline of the same task', async () => {
    const dueAt = Date.now() - 1_000;
    const later = { workflowId: 'wf', kind: 'RESPONSE_TIMEOUT' as const, taskId: 't1', dueAt: Date.now() + 60_000 };
    await recordTimers(fixture.db, [{ workflowId: 'wf', kind: 'RESPONSE_TIMEOUT', taskId: 't1', dueAt }, later]);
    const [fired] = await claimDueTimers(fixture.db, 10, 30_000);

    await deleteTimer(fixture.db, fired.id);
    await deleteTimer(fixture.db, fired.id);
    expect(await timerRows(fixture.db)).toEqual([later]);
  });
});
