import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { TurnoutConfig } from '@turnout/config';
import type { WorkerSighting } from '@turnout/domain';
import type { WorkerTransport } from '@turnout/messaging';
import { BatchedSightingRecorder, FollowedPresence, followedPresenceOptions } from '@turnout/presence';
import { DATA_SOURCE, TURNOUT_CONFIG } from '../router.tokens';

const logger = new Logger('WorkerPresence');
// A busy worker sends many results: one write a second per worker is plenty for presence (as for HTTP polls).
const RESULT_SIGHTING_EVERY_MS = 1_000;
// Beyond this many workers, those not recorded within the period are forgotten.
const MAX_REMEMBERED_RESULT_SIGHTINGS = 10_000;

/**
 * The router's FollowedPresence: sightings it receives (heartbeats, results)
 * apply at once and are recorded, grouped; workers that appear or leave are
 * announced by Postgres; the rest within PRESENCE_REFRESH_MS.
 */
@Injectable()
export class WorkerPresenceService extends FollowedPresence implements OnModuleInit, OnModuleDestroy {
  // One per transport, as each upsert is; `byResult` for task results, which do not say (and refresh only: recordSightings).
  private readonly recorders: Record<WorkerTransport | 'byResult', BatchedSightingRecorder>;
  private readonly lastRecordedByResult = new Map<string, number>();

  constructor(@Inject(DATA_SOURCE) db: DataSource, @Inject(TURNOUT_CONFIG) config: TurnoutConfig) {
    super(db, followedPresenceOptions(config, (message) => logger.warn(message)));
    const timeoutMs = config.activeWorkerTimeoutMs;
    this.recorders = {
      amqp: new BatchedSightingRecorder(db, 'amqp', timeoutMs),
      http: new BatchedSightingRecorder(db, 'http', timeoutMs),
      byResult: new BatchedSightingRecorder(db, null, timeoutMs),
    };
  }

  onModuleInit(): Promise<void> {
    return this.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.stop();
  }

  /**
   * A worker heard from, at this router's time of receipt: applied to this
   * router's snapshot first (once it is visible in Postgres, this router routes
   * by it), then recorded with the other sightings of the moment in one upsert.
   */
  async sighted(sighting: WorkerSighting, transport: WorkerTransport): Promise<void> {
    this.apply(sighting);
    await this.recorders[transport].record(sighting);
  }

  /**
   * A worker heard from by its task result or IN_PROGRESS: refreshes it at
   * once if it is known and not gone (a result read after the worker's
   * goodbye does not bring it back), recorded likewise at most once a second
   * per worker (the results' hot path should not cost Postgres a row update each).
   */
  async sightedByResult(sighting: WorkerSighting): Promise<void> {
    this.applyByResult(sighting);
    const key = `${sighting.taskType}\u0000${sighting.domain ?? ''}\u0000${sighting.workerId}`;
    const last = this.lastRecordedByResult.get(key);
    if (last !== undefined && sighting.seenAt - last < RESULT_SIGHTING_EVERY_MS) return;
    if (this.lastRecordedByResult.size >= MAX_REMEMBERED_RESULT_SIGHTINGS) {
      for (const [remembered, at] of this.lastRecordedByResult) if (sighting.seenAt - at >= RESULT_SIGHTING_EVERY_MS) this.lastRecordedByResult.delete(remembered);
    }
    this.lastRecordedByResult.set(key, sighting.seenAt);
    await this.recorders.byResult.record(sighting).catch((error: unknown) => {
      this.lastRecordedByResult.delete(key);
      throw error;
    });
  }
}
