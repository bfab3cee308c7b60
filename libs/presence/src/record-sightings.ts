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
 * `transport` null: sightings by task results, which do not say how their
 * workers reach Turnout (HTTP and AMQP workers send them alike); the stored
 * transport is kept. They only refresh a worker known and not gone: a worker's
 * last results can be read after its goodbye (another queue, consumed
 * concurrently), and must not bring it back for the active timeout.
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
       select i.task_type, i.domain, i.worker_id, i.seen_at, i.gone, coalesce($2::text, 'amqp') from input i
       where $2::text is not null
          or exists (select 1 from turnout_worker_presence p
                     where (p.task_type, p.domain, p.worker_id) = (i.task_type, i.domain, i.worker_id) and not p.gone)
       on conflict (task_type, domain, worker_id) do update set
         last_seen_at = greatest(turnout_worker_presence.last_seen_at, excluded.last_seen_at),
         gone = case when excluded.last_seen_at >= turnout_worker_presence.last_seen_at
                     then excluded.gone else turnout_worker_presence.gone end,
         transport = coalesce($2::text, turnout_worker_presence.transport),
         revision = nextval('turnout_worker_presence_revision')
       -- Checked on the row as locked: a goodbye recorded meanwhile is not undone by a result.
       where $2::text is not null or not turnout_worker_presence.gone
       returning 1
     ), changed as (
       select 1 from input i
       left join turnout_worker_presence p using (task_type, domain, worker_id)
       where ($2::text is not null or (p.worker_id is not null and not p.gone))
         and ((p.worker_id is null and not i.gone)
              or (i.seen_at >= p.last_seen_at
                  and (i.gone <> p.gone or (not i.gone and p.last_seen_at < i.seen_at - make_interval(secs => $3 / 1000.0)))))
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
