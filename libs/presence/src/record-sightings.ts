import type { WorkerSighting } from '@turnout/domain';
import type { SqlRunner } from '@turnout/event-store';

import type { WorkerTransport } from '@turnout/messaging';

export type { WorkerTransport };

/**
 * Upserts sightings in one statement. Idempotent and order-proof: an older
 * sighting never overwrites a newer one, so duplicates and reordering are harmless.
 */
export async function recordSightings(
  db: SqlRunner,
  sightings: readonly WorkerSighting[],
  transport: WorkerTransport,
): Promise<void> {
  if (sightings.length === 0) return;
  // No domain is stored as '' so that it can be part of the primary key.
  await db.query(
    `insert into turnout_worker_presence (task_type, domain, worker_id, last_seen_at, gone, transport)
     select s.task_type, s.domain, s.worker_id, max(s.seen_at), bool_or(s.gone and s.seen_at = s.newest), $2
     from (
       select x.task_type, x.domain, x.worker_id, to_timestamp(x.seen_at / 1000.0) as seen_at, x.gone,
              max(to_timestamp(x.seen_at / 1000.0)) over (partition by x.task_type, x.domain, x.worker_id) as newest
       from jsonb_to_recordset($1::jsonb) as x(task_type text, domain text, worker_id text, seen_at double precision, gone boolean)
     ) s
     group by s.task_type, s.domain, s.worker_id
     on conflict (task_type, domain, worker_id) do update set
       last_seen_at = greatest(turnout_worker_presence.last_seen_at, excluded.last_seen_at),
       gone = case when excluded.last_seen_at >= turnout_worker_presence.last_seen_at
                   then excluded.gone else turnout_worker_presence.gone end,
       transport = excluded.transport,
       revision = nextval('turnout_worker_presence_revision')`,
    [
      JSON.stringify(
        sightings.map((s) => ({ task_type: s.taskType, domain: s.domain ?? '', worker_id: s.workerId, seen_at: s.seenAt, gone: s.gone })),
      ),
      transport,
    ],
  );
}
