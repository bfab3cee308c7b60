import { type AppendResult, type StreamAppend, appendToStreams } from './append-to-streams';
import { MicroBatcher } from './micro-batcher';
import type { SqlRunner } from './sql-runner';
import type { NewEvent } from './stored-event';

/**
 * appendToStream with group commit: concurrent appends share one statement.
 * Same contract as appendToStream: resolves, or rejects with VersionConflictError.
 */
export class BatchedAppender {
  private readonly batcher: MicroBatcher<StreamAppend, AppendResult>;

  constructor(db: SqlRunner, maxBatch = 200) {
    this.batcher = new MicroBatcher<StreamAppend, AppendResult>((appends) => appendToStreams(db, appends), maxBatch);
  }

  append(streamId: string, expectedVersion: number, events: readonly NewEvent[]): Promise<AppendResult> {
    return this.batcher.submit({ streamId, expectedVersion, events });
  }
}
