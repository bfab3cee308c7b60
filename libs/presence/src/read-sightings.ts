import type { WorkerSighting } from '@turnout/domain';
import type { SqlRunner } from '@turnout/event-store';
import { PRESENCE_COLUMNS, type StoredPresenceRow, storedSightingOf } from './presence-row';

export interface PresenceRow extends WorkerSighting {
  transport: string;
  revision: number;
}

/** Presence rows changed after `afterRevision`, oldest change first. */
export async function readSightings(db: SqlRunner, afterRevision: number, limit = 10_000): Promise<PresenceRow[]> {
  const rows: Array<StoredPresenceRow & { revision: string }> = await db.query(
    `select ${PRESENCE_COLUMNS}, revision
     from turnout_worker_presence where revision > $1 order by revision limit $2`,
    [afterRevision, limit],
  );
  return rows.map((row) => ({ ...storedSightingOf(row), revision: Number(row.revision) }));
}
