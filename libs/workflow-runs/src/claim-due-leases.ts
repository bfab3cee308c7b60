import type { SqlRunner } from '@turnout/event-store';

export interface DueLease {
  taskId: string;
  workflowId: string;
  /** The deadline that came due (epoch ms), before the claim moved it. */
  dueAt: number;
}

/**
 * Claims up to `limit` leases that are due by pushing their deadline `claimMs`
 * ahead, in one short statement: sweepers share the work (skip locked), and a
 * sweeper that dies mid-way leaves its claims to come due again.
 */
export async function claimDueLeases(db: SqlRunner, limit: number, claimMs: number): Promise<DueLease[]> {
  const rows: Array<{ task_id: string; workflow_id: string; due_at_ms: string }> = await db.query(
    // Wrapped in a select: TypeORM answers a bare UPDATE ... RETURNING as [rows, count].
    `with due as (
       select task_id, due_at from turnout_task_leases where due_at <= now() order by due_at limit $1 for update skip locked
     ), claimed as (
       update turnout_task_leases lease set due_at = now() + make_interval(secs => $2::double precision / 1000)
       from due where lease.task_id = due.task_id
       returning lease.task_id, lease.workflow_id, (extract(epoch from due.due_at) * 1000)::bigint as due_at_ms
     )
     select task_id, workflow_id, due_at_ms from claimed`,
    [limit, claimMs],
  );
  return rows.map((row) => ({ taskId: row.task_id, workflowId: row.workflow_id, dueAt: Number(row.due_at_ms) }));
}
