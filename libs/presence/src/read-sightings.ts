import type { WorkerSighting } from '@turnout/domain';
import type { SqlRunner } from '@turnout/event-store';

export interface PresenceRow extends WorkerSighting {
  transport: string;
  revision: number;
}

/** Presence rows changed after `afterRevision`, oldest change first. */
export async function readSightings(db: SqlRunner, afterRevision: number, limit = 10_000): Promise<PresenceRow[]> {
  const rows: Array<{
    task_type: string;
    domain: string;
    worker_id: string;
    seen_at: string;
    gone: boolean;
    transport: string;
    revision: string;
  }> = await db.query(
    `select task_type, domain, worker_id, (extract(epoch from last_seen_at) * 1000)::bigint as seen_at, gone, transport, revision
     from turnout_worker_presence where revision > $1 order by revision limit $2`,
    [afterRevision, limit],
  );
  return rows.map((row) => ({
    taskType: row.task_type,
    domain: row.domain === '' ? null : row.domain,
    workerId: row.worker_id,
    seenAt: Number(row.seen_at),
    gone: row.gone,
    transport: row.transport,
    revision: Number(row.revision),
  }));
}
