import type { WorkerSighting } from '@turnout/domain';

/** The columns every read of `turnout_worker_presence` selects, `last_seen_at` as epoch milliseconds. */
export const PRESENCE_COLUMNS = 'task_type, domain, worker_id, (extract(epoch from last_seen_at) * 1000)::bigint as seen_at, gone, transport';

/** A presence row as `PRESENCE_COLUMNS` reads it. */
export interface StoredPresenceRow {
  task_type: string;
  /** '' for no domain: the column is part of the primary key, so it cannot be null. */
  domain: string;
  worker_id: string;
  /** A bigint, which pg hands over as a string. */
  seen_at: string;
  gone: boolean;
  transport: string;
}

/** A worker's newest sighting as the projection stored it, and the transport it came by. */
export function storedSightingOf(row: StoredPresenceRow): WorkerSighting & { transport: string } {
  return {
    taskType: row.task_type,
    domain: row.domain === '' ? null : row.domain,
    workerId: row.worker_id,
    seenAt: Number(row.seen_at),
    gone: row.gone,
    transport: row.transport,
  };
}
