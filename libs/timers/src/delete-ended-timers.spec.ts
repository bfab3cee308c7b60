import type { WorkflowTimer } from '@turnout/domain';
import { migratedDatabaseForSuite } from '../../../test/support/migrated-database';
import { timerRows } from '../../../test/support/timer-rows';
import { deleteEndedTimers } from './delete-ended-timers';
import { recordTimers } from './record-timers';

describe('deleteEndedTimers', () => {
  const fixture = migratedDatabaseForSuite('ended_timers');

  const timer = (workflowId: string, kind: WorkflowTimer['kind'], taskId: string | null): WorkflowTimer => ({ workflowId, kind, taskId, dueAt: 1_700_000_000_000 });

  it("deletes an ended task's deadlines but not its retry, and all of an ended run's timers, touching no other", async () => {
    // In the order timerRows reads them.
    const kept = [
      timer('a', 'RESPONSE_TIMEOUT', 't2'),
      timer('a', 'RETRY', 't1'),
      timer('a', 'WORKFLOW_TIMEOUT', null),
      timer('c', 'POLL_TIMEOUT', 't1'),
    ];
    const ended = [timer('a', 'POLL_TIMEOUT', 't1'), timer('a', 'RESPONSE_TIMEOUT', 't1'), timer('a', 'TASK_TIMEOUT', 't1'), timer('b', 'WORKFLOW_TIMEOUT', null), timer('b', 'RETRY', 't9')];
    await recordTimers(fixture.db, [...kept, ...ended]);

    await deleteEndedTimers(fixture.db, [
      { workflowId: 'a', taskId: 't1' },
      { workflowId: 'b', taskId: null },
    ]);
    await deleteEndedTimers(fixture.db, []);

    expect(await timerRows(fixture.db)).toEqual(kept);
  });
});
