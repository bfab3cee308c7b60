import { appendToStreams } from './append-to-streams';
import type { SqlRunner } from './sql-runner';
import type { NewEvent } from './stored-event';
import { VersionConflictError } from './version-conflict-error';

/**
 * Appends events to a stream at versions expectedVersion+1.., inserting
 * nothing unless the stream is at expectedVersion (0 for a new stream). A
 * racing append loses on the (stream_id, stream_version) key. The one-stream
 * case of appendToStreams: one statement, one version check.
 */
export async function appendToStream(
  db: SqlRunner,
  streamId: string,
  expectedVersion: number,
  events: readonly NewEvent[],
): Promise<{ nextExpectedVersion: number; lastGlobalPosition: string }> {
  if (events.length === 0) throw new Error('appendToStream needs at least one event');
  const [result] = await appendToStreams(db, [{ streamId, expectedVersion, events }]);
  if (result instanceof VersionConflictError) throw result;
  return result;
}
