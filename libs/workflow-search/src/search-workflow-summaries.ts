import type { SqlRunner } from '@turnout/event-store';
import type { WorkflowSummary } from './workflow-summary';
import { WORKFLOW_SUMMARY_COLUMNS, type WorkflowSummaryRow, workflowSummaryOf } from './workflow-summary-row';
import type { SearchClause, TextField, TimeField } from './workflow-search-query';

export interface WorkflowSearch {
  clauses: readonly SearchClause[];
  /** A word found in the workflow id, correlation id or workflow type (any letter case); null: any run. */
  freeText: string | null;
  /** Only runs with a task waiting (SCHEDULED or IN_PROGRESS) in this domain; null: any run. */
  domain: string | null;
  /** How many matches to skip, and how many to answer at most. */
  start: number;
  size: number;
}

export interface WorkflowSearchResult {
  totalHits: number;
  /** Newest first. */
  results: WorkflowSummary[];
}

const TEXT_COLUMNS: Record<TextField, string> = {
  workflowId: 'workflow_id',
  workflowType: 'workflow_type',
  correlationId: 'correlation_id',
  status: 'status',
};

const TIME_COLUMNS: Record<TimeField, string> = { startTime: 'start_time', updateTime: 'update_time', endTime: 'end_time' };

/** `%`, `_` and `\` stand for themselves in a free-text word. */
const likePattern = (word: string): string => `%${word.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;

/**
 * The runs that match every clause, newest first, with how many match in all
 * (one statement, so the count and the page agree). Column names come from the
 * fixed maps above; every value is a parameter.
 */
export async function searchWorkflowSummaries(db: SqlRunner, search: WorkflowSearch): Promise<WorkflowSearchResult> {
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
    conditions.push(`(workflow_id ilike ${pattern} or correlation_id ilike ${pattern} or workflow_type ilike ${pattern})`);
  }
  if (search.domain !== null) conditions.push(`waiting_domains @> array[${parameter(search.domain)}::text]`);
  const where = conditions.length === 0 ? '' : `where ${conditions.join(' and ')}`;
  const [answer]: Array<{ total_hits: number; results: WorkflowSummaryRow[] }> = await db.query(
    `with matched as (select ${WORKFLOW_SUMMARY_COLUMNS} from turnout_workflow_summaries ${where})
     select (select count(*) from matched)::integer as total_hits,
       coalesce((select json_agg(page order by page.start_time desc, page.workflow_id) from (
         select * from matched order by start_time desc, workflow_id limit ${parameter(search.size)} offset ${parameter(search.start)}
       ) page), '[]'::json) as results`,
    parameters,
  );
  return { totalHits: answer.total_hits, results: answer.results.map(workflowSummaryOf) };
}
