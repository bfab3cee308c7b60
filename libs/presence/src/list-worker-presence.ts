import type { SqlRunner } from '@turnout/event-store';
import { PRESENCE_COLUMNS, type StoredPresenceRow, storedSightingOf } from './presence-row';

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
  const rows: StoredPresenceRow[] = await db.query(
    `select ${PRESENCE_COLUMNS}
     from turnout_worker_presence where $1::text is null or task_type = $1
     order by task_type, domain, last_seen_at desc`,
    [taskType ?? null],
  );
  return rows.map(storedSightingOf).map(({ seenAt, ...worker }) => ({ ...worker, lastSeenAt: seenAt }));
}
