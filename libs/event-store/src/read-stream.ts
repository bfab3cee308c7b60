import type { SqlRunner } from './sql-runner';
import { STORED_EVENT_COLUMNS, type StoredEvent, type StoredEventRow, storedEventOf } from './stored-event';

/**
 * A stream's events from `fromVersion` on, and the stream's current version
 * (0 for a stream with no events) even when no event is at or after `fromVersion`:
 * it is the expected version of the caller's next append.
 */
export async function readStream(
  db: SqlRunner,
  streamId: string,
  fromVersion = 1,
): Promise<{ streamVersion: number; events: StoredEvent[] }> {
  // One statement, so the version and the events come from one snapshot.
  const rows: Array<Partial<StoredEventRow> & { current_version: number }> = await db.query(
    `select current.version as current_version, e.*
     from (select coalesce(max(stream_version), 0) as version from turnout_events where stream_id = $1) current
     left join lateral (
       select ${STORED_EVENT_COLUMNS} from turnout_events where stream_id = $1 and stream_version >= $2
     ) e on true
     order by e.stream_version`,
    [streamId, fromVersion],
  );
  const streamVersion = rows.length === 0 ? 0 : Number(rows[0].current_version);
  const events = rows.filter((row) => row.stream_version != null).map((row) => storedEventOf(row as StoredEventRow));
  return { streamVersion, events };
}
