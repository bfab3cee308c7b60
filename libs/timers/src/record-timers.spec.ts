import type { WorkflowTimer } from '@turnout/domain';
import { migratedDatabaseForSuite } from '../../../test/support/migrated-database';
import { timerRows } from '../../../test/support/timer-rows';
import { recordTimers } from './record-timers';

describe('recordTimers', () => {
  const fixture = migratedDatabaseForSuite('record_timers');

  it('notes each timer once, however often it is recorded, a run timer without a task included', async () => {
    const timers: WorkflowTimer[] = [
      { workflowId: 'wf', kind: 'WORKFLOW_TIMEOUT', taskId: null, dueAt: 1_700_000_000_000 },
      { workflowId: 'wf', kind: 'RESPONSE_TIMEOUT', taskId: 't1', dueAt: 1_700_000_000_123 },
      // The same task's deadline moved on (TaskProgressed): a timer of its own.
      { workflowId: 'wf', kind: 'RESPONSE_TIMEOUT', taskId: 't1', dueAt: 1_700_000_060_123 },
    ];
    await recordTimers(fixture.db, timers);
    await recordTimers(fixture.db, timers);
    await recordTimers(fixture.db, [timers[0]]);
    await recordTimers(fixture.db, []);

    expect(await timerRows(fixture.db)).toEqual([timers[1], timers[2], timers[0]]);
  });
});
