import type { WorkflowEvent } from '@turnout/domain';
import { migratedDatabaseForSuite } from '../../../test/support/migrated-database';
import { findTaskSummary } from './find-task-summary';
import { recordTaskSummaries } from './record-task-summaries';
import { taskSummaryChangesOf } from './task-summary';

type Entry = { workflowId: string; streamVersion: number; event: WorkflowEvent };

const scheduled = (workflowId: string, streamVersion: number, taskId: string, referenceTaskName: string, at: number): Entry => ({
  workflowId,
  streamVersion,
  event: {
    type: 'TaskScheduled',
    data: {
      taskId,
      workflowInstanceId: workflowId,
      workflowType: 'orders',
      taskType: `${referenceTaskName}_type`,
      referenceTaskName,
      taskIndex: 0,
      inputData: {},
      retryCount: 0,
      retriedTaskId: null,
      domain: 'blue',
      queueName: `${referenceTaskName}_type@blue`,
      routing: { rule: 'NO_RULE', ruleKey: null, ruleValue: null, candidates: [], activeWorkerTimeoutMs: 0, summary: '' },
      scheduledTime: at,
    },
  } as WorkflowEvent,
});

const page = (db: Parameters<typeof recordTaskSummaries>[0], entries: Entry[]) => recordTaskSummaries(db, taskSummaryChangesOf(entries));

describe('recordTaskSummaries and findTaskSummary', () => {
  const fixture = migratedDatabaseForSuite('task_summaries');

  it('inserts an attempt with its page and folds later pages onto it, keeping what they do not change', async () => {
    await page(fixture.db, [
      scheduled('r1', 2, 'r1-a', 'pack', 1_000),
      { workflowId: 'r1', streamVersion: 3, event: { type: 'TaskStarted', data: { taskId: 'r1-a', workerId: 'w1', startTime: 1_100, responseTimeoutAt: 9_999 } } as WorkflowEvent },
    ]);
    expect(await findTaskSummary(fixture.db, 'r1-a')).toMatchObject({ workflowId: 'r1', workflowType: 'orders', status: 'IN_PROGRESS', startTime: 1_100, workerId: 'w1', scheduledVersion: 2, streamVersion: 3 });

    const failed: Entry = {
      workflowId: 'r1',
      streamVersion: 4,
      event: { type: 'TaskFailed', data: { taskId: 'r1-a', outputData: {}, reasonForIncompletion: 'boom', terminal: true, workerId: null, endTime: 1_200 } } as WorkflowEvent,
    };
    await page(fixture.db, [failed]);
    // The same page again, and an older one, change nothing.
    await page(fixture.db, [failed]);
    await page(fixture.db, [{ workflowId: 'r1', streamVersion: 3, event: { type: 'TaskStarted', data: { taskId: 'r1-a', workerId: 'w2', startTime: 5, responseTimeoutAt: 6 } } as WorkflowEvent }]);
    expect(await findTaskSummary(fixture.db, 'r1-a')).toMatchObject({
      status: 'FAILED_WITH_TERMINAL_ERROR',
      startTime: 1_100,
      endTime: 1_200,
      workerId: 'w1',
      reasonForIncompletion: 'boom',
      streamVersion: 4,
    });
    expect(await findTaskSummary(fixture.db, 'absent')).toBeNull();
  });

  it('drops the attempts a restart left behind, and those a rerun from a task went back over', async () => {
    await page(fixture.db, [scheduled('r2', 2, 'r2-a', 'a', 1), scheduled('r2', 3, 'r2-b', 'b', 2), scheduled('r2', 4, 'r2-c', 'c', 3)]);
    await page(fixture.db, [
      { workflowId: 'r2', streamVersion: 5, event: { type: 'WorkflowRerun', data: { fromTaskId: 'r2-b', workflowInput: null, at: 4, timeoutAt: null } } as WorkflowEvent },
      scheduled('r2', 6, 'r2-b2', 'b', 5),
    ]);
    const ids = async () =>
      ((await fixture.db.query(`select task_id from turnout_task_summaries where workflow_id = 'r2' order by scheduled_version`)) as Array<{ task_id: string }>).map((row) => row.task_id);
    expect(await ids()).toEqual(['r2-a', 'r2-b2']);

    await page(fixture.db, [
      { workflowId: 'r2', streamVersion: 7, event: { type: 'WorkflowRestarted', data: { startTime: 6, timeoutAt: null } } as WorkflowEvent },
      scheduled('r2', 8, 'r2-a2', 'a', 7),
    ]);
    expect(await ids()).toEqual(['r2-a2']);
  });

  it("gives a skipped task the run's workflow type from an earlier attempt", async () => {
    await page(fixture.db, [scheduled('r3', 2, 'r3-a', 'a', 1)]);
    await page(fixture.db, [
      {
        workflowId: 'r3',
        streamVersion: 3,
        event: { type: 'TaskSkipped', data: { taskId: 'r3-s', taskType: 's_type', referenceTaskName: 's', taskIndex: 1, inputData: {}, outputData: {}, at: 2 } } as WorkflowEvent,
      },
    ]);
    expect(await findTaskSummary(fixture.db, 'r3-s')).toMatchObject({ workflowType: 'orders', status: 'SKIPPED', taskType: 's_type', endTime: 2 });
  });
});
