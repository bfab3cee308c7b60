import type { SqlRunner } from '@turnout/event-store';

/** Conductor's TaskExecLog. */
export interface TaskExecLog {
  taskId: string;
  log: string;
  createdTime: number;
}

/** The attempt's log lines, in the order they were added. */
export async function listTaskLogs(db: SqlRunner, taskId: string): Promise<TaskExecLog[]> {
  const rows: Array<{ task_id: string; log: string; created_time: string }> = await db.query(
    'select task_id, log, created_time from turnout_task_logs where task_id = $1 order by id',
    [taskId],
  );
  return rows.map((row) => ({ taskId: row.task_id, log: row.log, createdTime: Number(row.created_time) }));
}
