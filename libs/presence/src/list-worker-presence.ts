import type { SqlRunner } from '@turnout/event-store';

export interface WorkerPresenceRow {
  taskType: string;
  domain: string | null;
  workerId: string;
  lastSeenAt: number;
  gone: boolean;
  transport: string;
}

/** Every worker the projection knows, optionally of one task type, freshest first. */
export async function listWorkerPresence(db: SqlRunner, taskType?: string): Promise<WorkerPresenceRow[]> {
  const rows: Array<{ task_type: string; domain: string; worker_id: string; seen_at: string; gone: boolean; transport: string }> = await db.query(
    `select task_type, domain, worker_id, (extract(epoch from last_seen_at) * 1000)::bigint as seen_at, gone, transport
     from turnout_worker_presence where $1::text is null or task_type = $1
     order by task_type, domain, last_seen_at desc`,
    [taskType ?? null],
  );
  return rows.map((row) => ({
    taskType: row.task_type,
    domain: row.domain === '' ? null : row.domain,
    workerId: row.worker_id,
    lastSeenAt: Number(row.seen_at),
    gone: row.gone,
    transport: row.transport,
  }));
}
