import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { TurnoutConfig } from '@turnout/config';
import { FollowedPresence, followedPresenceOptions } from '@turnout/presence';
import { DATA_SOURCE, TURNOUT_CONFIG } from '../router.tokens';

const logger = new Logger('WorkerPresence');

/**
 * The router's FollowedPresence: heartbeats it consumes apply at once; workers
 * that appear or leave are announced by Postgres; the rest within PRESENCE_REFRESH_MS.
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
