import type { SqlRunner } from '@turnout/event-store';
import type { WorkflowSummary } from './workflow-summary';
import { WORKFLOW_SUMMARY_COLUMNS, type WorkflowSummaryRow, workflowSummaryOf } from './workflow-summary-row';

/**
 * The summaries of these runs, by workflow id (a run not summarised yet is
 * absent). Locked for the caller's transaction: a projection that folds onto
 * them and saves them is the only writer meanwhile.
 */
export async function readWorkflowSummaries(db: SqlRunner, workflowIds: readonly string[]): Promise<Map<string, WorkflowSummary>> {
  if (workflowIds.length === 0) return new Map();
  const rows: WorkflowSummaryRow[] = await db.query(
    `select ${WORKFLOW_SUMMARY_COLUMNS} from turnout_workflow_summaries where workflow_id = any($1::text[]) for update`,
    [workflowIds],
  );
  return new Map(rows.map((row) => [row.workflow_id, workflowSummaryOf(row)]));
}
