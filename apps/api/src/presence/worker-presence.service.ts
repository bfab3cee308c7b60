import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { TurnoutConfig } from '@turnout/config';
import { FollowedPresence, followedPresenceOptions } from '@turnout/presence';
import { DATA_SOURCE, TURNOUT_CONFIG } from '../api.tokens';

const logger = new Logger('WorkerPresence');

/**
 * The api's FollowedPresence: it routes a run's first task as the run starts.
 * HTTP polls it takes apply at once; workers that appear or leave are announced
 * by Postgres; anything else is read within PRESENCE_REFRESH_MS.
 */
@Injectable()
export class WorkerPresenceService extends FollowedPresence implements OnModuleInit, OnModuleDestroy {
  constructor(@Inject(DATA_SOURCE) db: DataSource, @Inject(TURNOUT_CONFIG) config: TurnoutConfig) {
    super(db, followedPresenceOptions(config, (message) => logger.warn(message)));
  }

  onModuleInit(): Promise<void> {
    return this.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.stop();
  }
}
