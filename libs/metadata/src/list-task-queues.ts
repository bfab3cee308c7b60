import type { SqlRunner } from '@turnout/event-store';

export interface KnownTaskQueue {
  queueName: string;
  taskType: string;
  domain: string | null;
}

/** Every task queue Turnout declared or a worker polled, optionally of one task type. */
export async function listTaskQueues(db: SqlRunner, taskType?: string): Promise<KnownTaskQueue[]> {
  const rows: Array<{ queue_name: string; task_type: string; domain: string | null }> = await db.query(
    `select queue_name, task_type, domain from turnout_task_queues where $1::text is null or task_type = $1
     union
     select case when domain = '' then task_type else task_type || '@' || domain end, task_type, nullif(domain, '')
     from turnout_worker_presence where $1::text is null or task_type = $1
     order by 1`,
    [taskType ?? null],
  );
  return rows.map((row) => ({ queueName: row.queue_name, taskType: row.task_type, domain: row.domain }));
}
