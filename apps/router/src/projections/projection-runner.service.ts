import { Inject, Injectable, Logger, type OnApplicationBootstrap, type BeforeApplicationShutdown } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { TurnoutConfig } from '@turnout/config';
import { ProjectionRunner } from '@turnout/projections';
import { DATA_SOURCE, TURNOUT_CONFIG } from '../router.tokens';
import { ROUTER_PROJECTIONS } from './router-projections';

// A page per transaction; the NOTIFY of each append wakes a runner, the poll only
// catches what the xmin horizon held back (and is how often a waiting runner tries the lock).
const PAGE_SIZE = 500;
const POLL_MS = 1_000;

/** Runs this router's projection runners, one per group; in each, one per database is active (advisory lock), the others wait to take over. */
@Injectable()
export class ProjectionRunnerService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly runners: ProjectionRunner[];

  constructor(@Inject(DATA_SOURCE) db: DataSource, @Inject(TURNOUT_CONFIG) config: TurnoutConfig) {
    this.runners = ROUTER_PROJECTIONS.map(
      (group) =>
        new ProjectionRunner({
          databaseUrl: config.databaseUrl,
          db,
          projections: group.projections,
          subscriptionName: group.subscriptionName,
          lockKey: group.lockKey,
          batchSize: PAGE_SIZE,
          pollMs: POLL_MS,
          minPageIntervalMs: group.minPageIntervalMs,
          logger: new Logger('ProjectionRunner'),
        }),
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    await Promise.all(this.runners.map((runner) => runner.start()));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.runners.map((runner) => runner.stop()));
  }
}
