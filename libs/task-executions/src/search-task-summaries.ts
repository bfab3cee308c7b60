import type { SqlRunner } from '@turnout/event-store';
import type { TaskSummary } from './task-summary';
import { TASK_SUMMARY_COLUMNS, type TaskSummaryRow, taskSummaryOf } from './task-summary-row';
import type { TaskSearchClause, TaskTextField, TaskTimeField } from './task-search-query';

export interface TaskSearch {
  clauses: readonly TaskSearchClause[];
  /** A word found in the task id, workflow id, task type, reference name or workflow type (any letter case); null: any attempt. */
  freeText: string | null;
  start: number;
  size: number;
}

export interface TaskSearchResult {
  totalHits: number;
  /** Newest scheduled first. */
  results: TaskSummary[];
}

const TEXT_COLUMNS: Record<TaskTextField, string> = {
  taskId: 'task_id',
  workflowId: 'workflow_id',
  workflowType: 'workflow_type',
  taskType: 'task_type',
  // Conductor's taskDefName is the task type for every task Turnout runs.
  taskDefName: 'task_type',
  referenceTaskName: 'reference_task_name',
  status: 'status',
  domain: 'domain',
};

const TIME_COLUMNS: Record<TaskTimeField, string> = { scheduledTime: 'scheduled_time', startTime: 'start_time', updateTime: 'update_time', endTime: 'end_time' };

/** `%`, `_` and `\` stand for themselves in a free-text word. */
const likePattern = (word: string): string => `%${word.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;

/**
 * The attempts that match every clause, newest scheduled first, with how many
 * match in all (one statement, so the count and the page agree). Column names
 * come from the fixed maps above; every value is a parameter.
 */
export async function searchTaskSummaries(db: SqlRunner, search: TaskSearch): Promise<TaskSearchResult> {
  const parameters: unknown[] = [];
  const parameter = (value: unknown): string => {
    parameters.push(value);
    return `$${parameters.length}`;
  };
  const conditions = search.clauses.map((clause) =>
    'anyOf' in clause
      ? `${TEXT_COLUMNS[clause.field]} = any(${parameter(clause.anyOf)}::text[])`
      : `${TIME_COLUMNS[clause.field]} ${clause.comparison} ${parameter(clause.epochMs)}::bigint`,
  );
  if (search.freeText !== null) {
    const pattern = parameter(likePattern(search.freeText));
    conditions.push(
      `(task_id ilike ${pattern} or workflow_id ilike ${pattern} or task_type ilike ${pattern} or reference_task_name ilike ${pattern} or workflow_type ilike ${pattern})`,
    );
  }
  const where = conditions.length === 0 ? '' : `where ${conditions.join(' and ')}`;
  const [answer]: Array<{ total_hits: number; results: TaskSummaryRow[] }> = await db.query(
    `with matched as (select ${TASK_SUMMARY_COLUMNS} from turnout_task_summaries ${where})
     select (select count(*) from matched)::integer as total_hits,
       coalesce((select json_agg(page order by page.scheduled_time desc, page.task_id) from (
         select * from matched order by scheduled_time desc, task_id limit ${parameter(search.size)} offset ${parameter(search.start)}
       ) page), '[]'::json) as results`,
    parameters,
  );
  return { totalHits: answer.total_hits, results: answer.results.map(taskSummaryOf) };
}
