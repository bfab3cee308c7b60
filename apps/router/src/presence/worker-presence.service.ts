import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { TurnoutConfig } from '@turnout/config';
import type { WorkerSighting } from '@turnout/domain';
import type { WorkerTransport } from '@turnout/messaging';
import { BatchedSightingRecorder, FollowedPresence, followedPresenceOptions } from '@turnout/presence';
import { DATA_SOURCE, TURNOUT_CONFIG } from '../router.tokens';

const logger = new Logger('WorkerPresence');

/**
 * The router's FollowedPresence: sightings it receives (heartbeats, results)
 * apply at once and are recorded, grouped; workers that appear or leave are
 * announced by Postgres; the rest within PRESENCE_REFRESH_MS.
 */
@Injectable()
export class WorkerPresenceService extends FollowedPresence implements OnModuleInit, OnModuleDestroy {
  // One per transport, as each upsert is; `unknown` for task results, which do not say.
  private readonly recorders: Record<WorkerTransport | 'unknown', BatchedSightingRecorder>;

  constructor(@Inject(DATA_SOURCE) db: DataSource, @Inject(TURNOUT_CONFIG) config: TurnoutConfig) {
    super(db, followedPresenceOptions(config, (message) => logger.warn(message)));
    const timeoutMs = config.activeWorkerTimeoutMs;
    this.recorders = {
      amqp: new BatchedSightingRecorder(db, 'amqp', timeoutMs),
      http: new BatchedSightingRecorder(db, 'http', timeoutMs),
      unknown: new BatchedSightingRecorder(db, null, timeoutMs),
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
  async sighted(sighting: WorkerSighting, transport: WorkerTransport | null): Promise<void> {
    this.apply(sighting);
    await this.recorders[transport ?? 'unknown'].record(sighting);
  }
}
