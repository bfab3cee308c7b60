import type { TaskStatus, Validated } from '@turnout/domain';
import { type SearchClauseOver, type SearchVocabulary, parseSearchQueryOver } from '@turnout/workflow-search';

/** Fields a task search clause may compare with `=` or `IN (…)`. */
export const TASK_TEXT_FIELDS = ['taskId', 'workflowId', 'workflowType', 'taskType', 'taskDefName', 'referenceTaskName', 'status', 'domain'] as const;
/** Fields a task search clause may compare with `>`, `<`, `>=`, `<=` (epoch ms). */
export const TASK_TIME_FIELDS = ['scheduledTime', 'startTime', 'updateTime', 'endTime'] as const;

export type TaskTextField = (typeof TASK_TEXT_FIELDS)[number];
export type TaskTimeField = (typeof TASK_TIME_FIELDS)[number];
export type TaskSearchClause = SearchClauseOver<TaskTextField, TaskTimeField>;

const TASK_STATUSES: readonly TaskStatus[] = ['SCHEDULED', 'IN_PROGRESS', 'COMPLETED', 'FAILED', 'FAILED_WITH_TERMINAL_ERROR', 'TIMED_OUT', 'CANCELED'];

const TASK_VOCABULARY: SearchVocabulary<TaskTextField, TaskTimeField> = {
  textFields: TASK_TEXT_FIELDS,
  timeFields: TASK_TIME_FIELDS,
  allowedValues: { status: TASK_STATUSES },
};

/** Conductor's search query (the workflow search's language) over the fields of a task. */
export const parseTaskSearchQuery = (query: string | null | undefined, path = 'query'): Validated<TaskSearchClause[]> =>
  parseSearchQueryOver(query, TASK_VOCABULARY, path);
