import { Inject, Injectable, Logger, type OnApplicationBootstrap, type BeforeApplicationShutdown } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { TurnoutConfig } from '@turnout/config';
import { ProjectionRunner } from '@turnout/projections';
import { WorkflowCommandHandler, WorkflowStarts } from '@turnout/workflow-runs';
import { WorkerPresenceService } from '../presence/worker-presence.service';
import { DATA_SOURCE, TURNOUT_CONFIG } from '../router.tokens';
import { PROJECTIONS_SUBSCRIPTION, routerProjections } from './router-projections';

// A page per transaction; the NOTIFY of each append wakes the runner, the poll only
// catches what the xmin horizon held back (and is how often a waiting runner tries the lock).
// Pages large enough that under load the interval paces them, not their size: a run's summary
// row and an attempt's row are written once per page that touches them, so fewer, larger pages
// write each row fewer times (bench/README, "The peers round": a fifth less CPU per task step
// than pages of 500 back to back). A long page holds back no reader of the log: it declares
// that it appends nothing (declareNotAppending).
const PAGE_SIZE = 5_000;
const POLL_MS = 1_000;
// A page every 500 ms at most: timers are due a second or more after the event that sets them,
// and search or a child run's start may be half a second behind; a transaction per append would
// cost the log's writers.
const MIN_PAGE_INTERVAL_MS = 500;

/** Runs this router's projection runner; one per database is active (advisory lock), the others wait to take over. */
@Injectable()
export class ProjectionRunnerService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly runner: ProjectionRunner;

  constructor(
    @Inject(DATA_SOURCE) db: DataSource,
    @Inject(TURNOUT_CONFIG) config: TurnoutConfig,
    workflows: WorkflowCommandHandler,
    presence: WorkerPresenceService,
    starts: WorkflowStarts,
  ) {
    this.runner = new ProjectionRunner({
      databaseUrl: config.databaseUrl,
      db,
      projections: routerProjections(
        { workflows, routing: presence, logger: new Logger('SubWorkflows') },
        { workflows, starts, routing: presence, logger: new Logger('StartWorkflow') },
      ),
      subscriptionName: PROJECTIONS_SUBSCRIPTION,
      batchSize: PAGE_SIZE,
      pollMs: POLL_MS,
      minPageIntervalMs: MIN_PAGE_INTERVAL_MS,
      logger: new Logger('ProjectionRunner'),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.runner.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.runner.stop();
  }
}
