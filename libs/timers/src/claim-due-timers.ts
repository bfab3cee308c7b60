import type { TimerKind, WorkflowTimer } from '@turnout/domain';
import type { SqlRunner } from '@turnout/event-store';

export interface ClaimedTimer {
  /** The row, to delete once the timer fired. */
  id: string;
  /** As it came due: `dueAt` is the deadline before the claim moved it. */
  timer: WorkflowTimer;
}

/**
 * Claims up to `limit` timers that are due by pushing their due time
 * `claimMs` ahead, in one short statement: routers share them (skip locked),
 * and a router that dies before it fired them leaves them to come due again.
 * One index scan on due_at, however many timers wait.
 */
export async function claimDueTimers(db: SqlRunner, limit: number, claimMs: number): Promise<ClaimedTimer[]> {
  const rows: Array<{ id: string; workflow_id: string; kind: TimerKind; task_id: string | null; due_at_ms: string }> = await db.query(
    // Wrapped in a select: TypeORM answers a bare UPDATE ... RETURNING as [rows, count].
    `with due as (
       select id, due_at from turnout_timers where due_at <= now() order by due_at limit $1 for update skip locked
     ), claimed as (
       update turnout_timers timer set due_at = now() + $2 * interval '1 millisecond'
       from due where timer.id = due.id
       returning timer.id, timer.workflow_id, timer.kind, timer.task_id, (extract(epoch from due.due_at) * 1000)::bigint as due_at_ms
     )
     select id::text, workflow_id, kind, task_id, due_at_ms from claimed order by due_at_ms`,
    [limit, claimMs],
  );
  return rows.map((row) => ({
    id: row.id,
    timer: { workflowId: row.workflow_id, kind: row.kind, taskId: row.task_id, dueAt: Number(row.due_at_ms) },
  }));
}
