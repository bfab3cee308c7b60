import type { SqlRunner } from '@turnout/event-store';

/** The runs of this workflow with this correlation id, oldest first; ended ones only with includeClosed. */
export async function findCorrelatedWorkflowIds(db: SqlRunner, workflowType: string, correlationId: string, includeClosed: boolean): Promise<string[]> {
  const rows: Array<{ workflow_id: string }> = await db.query(
    `select workflow_id from turnout_workflow_summaries
     where correlation_id = $1 and workflow_type = $2 and ($3::boolean or status in ('RUNNING', 'PAUSED'))
     order by start_time, workflow_id`,
    [correlationId, workflowType, includeClosed],
  );
  return rows.map((row) => row.workflow_id);
}
