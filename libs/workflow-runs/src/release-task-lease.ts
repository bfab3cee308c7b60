import type { SqlRunner } from '@turnout/event-store';

export async function releaseTaskLease(db: SqlRunner, taskId: string): Promise<void> {
  await db.query('delete from turnout_task_leases where task_id = $1', [taskId]);
}
