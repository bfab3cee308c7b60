import type { WorkerSighting } from '@turnout/domain';
import { MicroBatcher, type SqlRunner } from '@turnout/event-store';
import { type WorkerTransport, recordSightings } from './record-sightings';

/** recordSightings with group commit: concurrent sightings (heartbeats, results) share one upsert. */
export class BatchedSightingRecorder {
  private readonly batcher: MicroBatcher<WorkerSighting, void>;

  constructor(db: SqlRunner, transport: WorkerTransport | null, activeWorkerTimeoutMs: number, maxBatch = 1_000) {
    this.batcher = new MicroBatcher<WorkerSighting, void>(async (sightings) => {
      await recordSightings(db, sightings, transport, activeWorkerTimeoutMs);
      return sightings.map(() => undefined);
    }, maxBatch);
  }

  record(sighting: WorkerSighting): Promise<void> {
    return this.batcher.submit(sighting);
  }
}
