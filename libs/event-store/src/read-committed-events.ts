import { ADVISORY_LOCK_KEYS } from './advisory-lock-keys';
import type { SqlRunner } from './sql-runner';
import { type Checkpoint, STORED_EVENT_COLUMNS, type StoredEvent, type StoredEventRow, storedEventOf } from './stored-event';

/**
 * The next page of the log after `after`, in commit order, gap-safe: only
 * events of transactions below the horizon, so an event that commits late can
 * never be skipped. The horizon is the oldest transaction of the statement's
 * snapshot still in progress, passing over those that declared, as their first
 * statement, that they append nothing (declareNotAppending): a transaction
 * that is over by the time the locks are looked at, or that holds no such
 * lock, is waited for.
 */
export async function readCommittedEvents(db: SqlRunner, after: Checkpoint, limit: number): Promise<StoredEvent[]> {
  const rows: StoredEventRow[] = await db.query(
    `with snapshot as (select pg_current_snapshot() as taken),
     not_appending as (
       select activity.backend_xid as xid
       from pg_locks as lock join pg_stat_activity as activity on activity.pid = lock.pid
       where lock.locktype = 'advisory' and lock.granted and lock.classid = 0 and lock.objid = $4 and lock.objsubid = 1
         and activity.backend_xid is not null
     ),
     horizon as (
       select coalesce(
         (select min(running) from pg_snapshot_xip(snapshot.taken) as running
          where not exists (select 1 from not_appending where not_appending.xid = running::xid)),
         pg_snapshot_xmax(snapshot.taken)) as below
       from snapshot
     )
     select ${STORED_EVENT_COLUMNS} from turnout_events, horizon
     where (transaction_id, global_position) > ($1::xid8, $2::bigint)
       and transaction_id < horizon.below
     -- The table's columns, not the text the select names transaction_id: ids order as numbers, on the index.
     order by turnout_events.transaction_id, turnout_events.global_position
     limit $3`,
    [after.transactionId, after.globalPosition, limit, ADVISORY_LOCK_KEYS.notAppending],
  );
  return rows.map(storedEventOf);
}
