import type { WorkflowEvent } from '@turnout/domain';
import { migratedDatabaseForSuite } from '../../../test/support/migrated-database';
import { recordTaskSummaries } from './record-task-summaries';
import { searchTaskSummaries } from './search-task-summaries';
import { parseTaskSearchQuery } from './task-search-query';
import { taskSummaryChangesOf } from './task-summary';

const scheduledEvent = (workflowId: string, streamVersion: number, taskId: string, taskType: string, at: number) => ({
  workflowId,
  streamVersion,
  event: {
    type: 'TaskScheduled',
    data: {
      taskId,
      workflowInstanceId: workflowId,
      workflowType: 'shipping',
      taskType,
      referenceTaskName: `${taskType}_ref`,
      taskIndex: 0,
      inputData: {},
      retryCount: 0,
      retriedTaskId: null,
      domain: null,
      queueName: taskType,
      routing: { rule: 'NO_RULE', ruleKey: null, ruleValue: null, candidates: [], activeWorkerTimeoutMs: 0, summary: '' },
      scheduledTime: at,
    },
  } as WorkflowEvent,
});

const clauses = (query: string) => {
  const parsed = parseTaskSearchQuery(query);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.value;
};

describe('searchTaskSummaries', () => {
  const fixture = migratedDatabaseForSuite('task_search');

  beforeAll(async () => {
    await recordTaskSummaries(
      fixture.db,
      taskSummaryChangesOf([
        scheduledEvent('w1', 2, 't1', 'label_print', 100),
        scheduledEvent('w1', 3, 't2', 'weigh', 200),
        scheduledEvent('w2', 2, 't3', 'label_print', 300),
        { workflowId: 'w2', streamVersion: 3, event: { type: 'TaskCompleted', data: { taskId: 't3', outputData: {}, workerId: null, endTime: 350 } } as WorkflowEvent },
      ]),
    );
  });

  it('finds attempts by workflow, type and status, newest scheduled first, with the count of all matches', async () => {
    const search = (query: string, freeText: string | null = null, size = 10) => searchTaskSummaries(fixture.db, { clauses: clauses(query), freeText, start: 0, size });
    expect((await search('taskType = label_print')).results.map((task) => task.taskId)).toEqual(['t3', 't1']);
    expect((await search('workflowId = w1 AND status IN (SCHEDULED)')).results.map((task) => task.taskId)).toEqual(['t2', 't1']);
    expect((await search('status = COMPLETED')).results.map((task) => task.taskId)).toEqual(['t3']);
    expect((await search('scheduledTime > 150', 'label')).results.map((task) => task.taskId)).toEqual(['t3']);
    const firstPage = await search('', null, 1);
    expect(firstPage.totalHits).toBe(3);
    expect(firstPage.results.map((task) => task.taskId)).toEqual(['t3']);
  });

  it('refuses a status no task has and a field it does not know', () => {
    expect(parseTaskSearchQuery('status = RUNNING').ok).toBe(false);
    expect(parseTaskSearchQuery('correlationId = x').ok).toBe(false);
  });
});
