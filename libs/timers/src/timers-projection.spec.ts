import type { WorkflowEvent } from '@turnout/domain';
import { type StoredEvent, START_CHECKPOINT, appendToStream, readCommittedEvents } from '@turnout/event-store';
import { migratedDatabaseForSuite } from '../../../test/support/migrated-database';
import { timerRows } from '../../../test/support/timer-rows';
import { timersProjection } from './timers-projection';

describe('timersProjection', () => {
  const fixture = migratedDatabaseForSuite('timers_projection');

  afterEach(async () => {
    await fixture.db.query('delete from turnout_timers');
  });

  const started = (taskId: string, responseTimeoutAt: number, timeoutAt: number | null = null): WorkflowEvent => ({
    type: 'TaskStarted',
    data: { taskId, workerId: 'w', startTime: 1, responseTimeoutAt, timeoutAt },
  });
  const completed = (taskId: string): WorkflowEvent => ({ type: 'TaskCompleted', data: { taskId, outputData: {}, workerId: 'w', endTime: 2 } });

  /** Appends to each stream in turn and answers the events these appends committed. */
  async function committed(appends: Array<[streamId: string, expectedVersion: number, events: WorkflowEvent[]]>): Promise<StoredEvent[]> {
    const before = await readCommittedEvents(fixture.db, START_CHECKPOINT, 10_000);
    for (const [streamId, expectedVersion, events] of appends) await appendToStream(fixture.db, streamId, expectedVersion, events);
    return (await readCommittedEvents(fixture.db, START_CHECKPOINT, 10_000)).slice(before.length);
  }

  it("keeps a run's timers from its stream, and none from other streams", async () => {
    const page = await committed([
      ['workflow-kept', 0, [started('t1', 1_700_000_000_000, 1_700_000_500_000)]],
      ['not-a-workflow', 0, [started('t1', 1_700_000_000_000)]],
    ]);
    await timersProjection.apply(fixture.db, page);
    expect(await timerRows(fixture.db)).toEqual([
      { workflowId: 'kept', kind: 'RESPONSE_TIMEOUT', taskId: 't1', dueAt: 1_700_000_000_000 },
      { workflowId: 'kept', kind: 'TASK_TIMEOUT', taskId: 't1', dueAt: 1_700_000_500_000 },
    ]);
  });

  it('changes nothing when a page comes again', async () => {
    const page = await committed([['workflow-again', 0, [started('t1', 1_700_000_000_000)]]]);
    await timersProjection.apply(fixture.db, page);
    const once = await timerRows(fixture.db);
    await timersProjection.apply(fixture.db, page);
    expect(await timerRows(fixture.db)).toEqual(once);
    expect(once).toHaveLength(1);
  });

  it("deletes an attempt's timers when a later page ends it, and keeps those of a later attempt", async () => {
    await timersProjection.apply(fixture.db, await committed([['workflow-ends', 0, [started('t1', 1_700_000_000_000)]]]));
    await timersProjection.apply(fixture.db, await committed([['workflow-ends', 1, [completed('t1'), started('t2', 1_700_000_100_000)]]]));
    expect(await timerRows(fixture.db)).toEqual([{ workflowId: 'ends', kind: 'RESPONSE_TIMEOUT', taskId: 't2', dueAt: 1_700_000_100_000 }]);
  });
});
