import type { SqlRunner } from './sql-runner';
import { type Checkpoint, STORED_EVENT_COLUMNS, type StoredEvent, type StoredEventRow, storedEventOf } from './stored-event';

/**
 * The next page of the log after `after`, in commit order, gap-safe: only
 * events whose transaction is below the xmin horizon (every older transaction
 * has ended), so an event that commits late can never be skipped.
 */
export async function readCommittedEvents(db: SqlRunner, after: Checkpoint, limit: number): Promise<StoredEvent[]> {
  const rows: StoredEventRow[] = await db.query(
    `select ${STORED_EVENT_COLUMNS} from turnout_events
     where (transaction_id, global_position) > ($1::xid8, $2::bigint)
       and transaction_id < pg_snapshot_xmin(pg_current_snapshot())
     -- The table's columns, not the text the select names transaction_id: ids order as numbers, on the index.
     order by turnout_events.transaction_id, turnout_events.global_position
     limit $3`,
    [after.transactionId, after.globalPosition, limit],
  );
  return rows.map(storedEventOf);
}
