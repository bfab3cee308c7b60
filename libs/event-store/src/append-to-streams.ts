import type { SqlRunner } from './sql-runner';
import type { NewEvent } from './stored-event';
import { VersionConflictError } from './version-conflict-error';

export interface StreamAppend {
  streamId: string;
  expectedVersion: number;
  events: readonly NewEvent[];
}

export interface AppendResult {
  nextExpectedVersion: number;
  /** Position of the append's last event in the log. */
  lastGlobalPosition: string;
}

/** The channel the relay LISTENs on; every append notifies it (delivered on commit). */
export const EVENTS_NOTIFY_CHANNEL = 'turnout_events';

const UNIQUE_VIOLATION = '23505';

/**
 * Appends to many streams in one statement (one commit, one NOTIFY). Each
 * append keeps its own expected-version check: an append whose stream moved
 * on gets a VersionConflictError and inserts nothing; the others go through.
 * When two of them race another writer on the same key, the statement fails
 * as a whole, and each append is retried alone so that only the loser fails.
 */
export async function appendToStreams(db: SqlRunner, appends: readonly StreamAppend[]): Promise<Array<AppendResult | VersionConflictError>> {
  if (appends.length === 0) return [];
  if (appends.some((append) => append.events.length === 0)) throw new Error('every append needs at least one event');
  // Two appends to one stream in one statement would both see the same version: the first of each
  // stream goes in the statement, any later one after it, alone and in order.
  const seen = new Set<string>();
  const later = new Set<number>();
  appends.forEach((append, request) => {
    if (seen.size === seen.add(append.streamId).size) later.add(request);
  });
  if (later.size > 0) {
    const first = await appendToStreams(db, appends.filter((_, request) => !later.has(request)));
    const rest = await appendOneByOne(db, appends.filter((_, request) => later.has(request)));
    return appends.map((_, request) => (later.has(request) ? rest.shift()! : first.shift()!));
  }
  let accepted: Array<{ request: number; last_position: string }>;
  try {
    accepted = await db.query(
      `with input as (
         select i.request, i.stream_id, i.expected, i.events
         from jsonb_to_recordset($1::jsonb) as i(request integer, stream_id text, expected integer, events jsonb)
       ), accepted as (
         select i.* from input i
         where i.expected = coalesce((select max(e.stream_version) from turnout_events e where e.stream_id = i.stream_id), 0)
       ), inserted as (
         insert into turnout_events (stream_id, stream_version, type, data, metadata)
         select a.stream_id, a.expected + e.ordinality, e.type, e.data, e.metadata
         from accepted a,
              rows from (jsonb_to_recordset(a.events) as (type text, data jsonb, metadata jsonb)) with ordinality as e(type, data, metadata, ordinality)
         order by a.request, e.ordinality
         returning stream_id, global_position
       ), positions as (
         select stream_id, max(global_position) as last_position from inserted group by stream_id
       )
       select a.request, p.last_position, pg_notify('${EVENTS_NOTIFY_CHANNEL}', '')
       from accepted a left join positions p on p.stream_id = a.stream_id`,
      [
        JSON.stringify(
          appends.map((append, request) => ({
            request,
            stream_id: append.streamId,
            expected: append.expectedVersion,
            events: append.events.map((e) => ({ type: e.type, data: e.data, metadata: e.metadata ?? null })),
          })),
        ),
      ],
    );
  } catch (error) {
    if ((error as { code?: string }).code !== UNIQUE_VIOLATION) throw error;
    // A racing writer took a version between the check and the insert.
    if (appends.length === 1) return [new VersionConflictError(appends[0].streamId, appends[0].expectedVersion)];
    return appendOneByOne(db, appends);
  }
  const lastPositions = new Map(accepted.map((row) => [Number(row.request), String(row.last_position)]));
  return appends.map((append, request) => {
    const lastGlobalPosition = lastPositions.get(request);
    return lastGlobalPosition === undefined
      ? new VersionConflictError(append.streamId, append.expectedVersion)
      : { nextExpectedVersion: append.expectedVersion + append.events.length, lastGlobalPosition };
  });
}

async function appendOneByOne(db: SqlRunner, appends: readonly StreamAppend[]): Promise<Array<AppendResult | VersionConflictError>> {
  const results: Array<AppendResult | VersionConflictError> = [];
  for (const append of appends) results.push(...(await appendToStreams(db, [append])));
  return results;
}
