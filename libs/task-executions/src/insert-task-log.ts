import type { SqlRunner } from '@turnout/event-store';

/** Adds one line to an attempt's log (Conductor's TaskExecLog). */
export async function insertTaskLog(db: SqlRunner, taskId: string, log: string, createdTime: number): Promise<void> {
  await db.query('insert into turnout_task_logs (task_id, log, created_time) values ($1, $2, $3)', [taskId, log, createdTime]);
}
