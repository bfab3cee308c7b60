import type { WorkerSighting } from '@turnout/domain';
import type { SqlRunner } from '@turnout/event-store';

import type { WorkerTransport } from '@turnout/messaging';

export type { WorkerTransport };

/** NOTIFY channel: a recorded sighting may change where tasks are routed (see recordSightings). */
export const PRESENCE_CHANGED_CHANNEL = 'turnout_presence_changed';

/**
 * Upserts sightings in one statement. Idempotent and order-proof: an older
 * sighting never overwrites a newer one, so duplicates and reordering are
 * harmless. When a sighting may change routing (a worker not seen before, one
 * that says it is gone or comes back, one heard from again after a silence
 * longer than `activeWorkerTimeoutMs`), the statement NOTIFYs
 * PRESENCE_CHANGED_CHANNEL so that in-memory snapshots catch up at once;
 * routine heartbeats notify no one. A worker going quiet needs no notice:
 * readers judge staleness themselves.
 *
 * `transport` null: the sightings do not say how their workers reach Turnout
 * (a task result, which HTTP and AMQP workers send alike); a worker's stored
 * transport is kept, and one not seen before is taken for an AMQP worker.
 */
export async function recordSightings(
  db: SqlRunner,
  sightings: readonly WorkerSighting[],
  transport: WorkerTransport | null,
  activeWorkerTimeoutMs: number,
): Promise<void> {
  if (sightings.length === 0) return;
  // No domain is stored as '' so that it can be part of the primary key. Every part of the
  // statement sees the rows as they were before it, so `changed` compares old with new.
  await db.query(
    `with input as (
       select s.task_type, s.domain, s.worker_id, max(s.seen_at) as seen_at, bool_or(s.gone and s.seen_at = s.newest) as gone
       from (
         select x.task_type, x.domain, x.worker_id, to_timestamp(x.seen_at / 1000.0) as seen_at, x.gone,
                max(to_timestamp(x.seen_at / 1000.0)) over (partition by x.task_type, x.domain, x.worker_id) as newest
         from jsonb_to_recordset($1::jsonb) as x(task_type text, domain text, worker_id text, seen_at double precision, gone boolean)
       ) s
       group by s.task_type, s.domain, s.worker_id
     ), upserted as (
       insert into turnout_worker_presence (task_type, domain, worker_id, last_seen_at, gone, transport)
       select task_type, domain, worker_id, seen_at, gone, coalesce($2::text, 'amqp') from input
       on conflict (task_type, domain, worker_id) do update set
         last_seen_at = greatest(turnout_worker_presence.last_seen_at, excluded.last_seen_at),
         gone = case when excluded.last_seen_at >= turnout_worker_presence.last_seen_at
                     then excluded.gone else turnout_worker_presence.gone end,
         transport = coalesce($2::text, turnout_worker_presence.transport),
         revision = nextval('turnout_worker_presence_revision')
       returning 1
     ), changed as (
       select 1 from input i
       left join turnout_worker_presence p using (task_type, domain, worker_id)
       where (p.worker_id is null and not i.gone)
          or (i.seen_at >= p.last_seen_at
              and (i.gone <> p.gone or (not i.gone and p.last_seen_at < i.seen_at - make_interval(secs => $3 / 1000.0))))
       limit 1
     )
     select (select count(*) from upserted) as upserted, (select pg_notify('${PRESENCE_CHANGED_CHANNEL}', '') from changed) as notified`,
    [
      JSON.stringify(
        sightings.map((s) => ({ task_type: s.taskType, domain: s.domain ?? '', worker_id: s.workerId, seen_at: s.seenAt, gone: s.gone })),
      ),
      transport,
      activeWorkerTimeoutMs,
    ],
  );
}
