import type { SqlRunner } from '@turnout/event-store';

export interface RunningWorkflowsQuery {
  workflowType: string;
  version: number;
  /** Started at or after / at or before (epoch ms); null: no bound. */
  startedFrom: number | null;
  startedTo: number | null;
}

/** Ids of the runs of one workflow version that have not ended (RUNNING or PAUSED, as Conductor's running list holds them), oldest first. */
export async function listRunningWorkflowIds(db: SqlRunner, query: RunningWorkflowsQuery): Promise<string[]> {
  const rows: Array<{ workflow_id: string }> = await db.query(
    `select workflow_id from turnout_workflow_summaries
     where workflow_type = $1 and version = $2 and status in ('RUNNING', 'PAUSED')
       and ($3::bigint is null or start_time >= $3::bigint) and ($4::bigint is null or start_time <= $4::bigint)
     order by start_time, workflow_id`,
    [query.workflowType, query.version, query.startedFrom, query.startedTo],
  );
  return rows.map((row) => row.workflow_id);
}
