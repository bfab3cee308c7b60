/** The durable timers a test's database holds (turnout_timers), read as the domain names them. */
import type { TimerKind, WorkflowTimer } from '@turnout/domain';
import type { SqlRunner } from '@turnout/event-store';

export async function timerRows(db: SqlRunner): Promise<WorkflowTimer[]> {
  const rows: Array<{ workflow_id: string; kind: TimerKind; task_id: string | null; due_at_ms: string }> = await db.query(
    `select workflow_id, kind, task_id, (extract(epoch from due_at) * 1000)::bigint as due_at_ms
     from turnout_timers order by workflow_id, kind, task_id nulls first, due_at`,
  );
  return rows.map((row) => ({ workflowId: row.workflow_id, kind: row.kind, taskId: row.task_id, dueAt: Number(row.due_at_ms) }));
}
