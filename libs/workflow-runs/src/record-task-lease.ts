import type { SqlRunner } from '@turnout/event-store';

/** Notes that a task is held until `dueAt` (epoch ms); a second hold of the same task moves the deadline. */
export async function recordTaskLease(db: SqlRunner, lease: { taskId: string; workflowId: string; dueAt: number }): Promise<void> {
  await db.query(
    `insert into turnout_task_leases (task_id, workflow_id, due_at) values ($1, $2, to_timestamp($3 / 1000.0))
     on conflict (task_id) do update set due_at = excluded.due_at`,
    [lease.taskId, lease.workflowId, lease.dueAt],
  );
}
