import type { SqlRunner } from './sql-runner';
import type { NewEvent } from './stored-event';
import { VersionConflictError } from './version-conflict-error';

/** The channel the relay LISTENs on; every append notifies it (delivered on commit). */
export const EVENTS_NOTIFY_CHANNEL = 'turnout_events';

const UNIQUE_VIOLATION = '23505';

/**
 * Appends events to a stream at versions expectedVersion+1.., in one statement
 * that inserts nothing unless the stream is at expectedVersion (0 for a new
 * stream). A racing append loses on the (stream_id, stream_version) key.
 */
export async function appendToStream(
  db: SqlRunner,
  streamId: string,
  expectedVersion: number,
  events: readonly NewEvent[],
): Promise<{ nextExpectedVersion: number; lastGlobalPosition: string }> {
  if (events.length === 0) throw new Error('appendToStream needs at least one event');
  let rows: Array<{ global_position: string }>;
  try {
    rows = await db.query(
      `with current as (
         select coalesce(max(stream_version), 0) as version from turnout_events where stream_id = $1
       ), inserted as (
         insert into turnout_events (stream_id, stream_version, type, data, metadata)
         select $1, $2::integer + e.ordinality, e.type, e.data, e.metadata
         from rows from (jsonb_to_recordset($3::jsonb) as (type text, data jsonb, metadata jsonb))
              with ordinality as e(type, data, metadata, ordinality)
         where (select version from current) = $2::integer
         returning global_position
       )
       select global_position, pg_notify('${EVENTS_NOTIFY_CHANNEL}', '') from inserted order by global_position`,
      [streamId, expectedVersion, JSON.stringify(events.map((e) => ({ type: e.type, data: e.data, metadata: e.metadata ?? null })))],
    );
  } catch (error) {
    if ((error as { code?: string }).code === UNIQUE_VIOLATION) throw new VersionConflictError(streamId, expectedVersion);
    throw error;
  }
  if (rows.length !== events.length) throw new VersionConflictError(streamId, expectedVersion);
  return { nextExpectedVersion: expectedVersion + events.length, lastGlobalPosition: String(rows[rows.length - 1].global_position) };
}
