import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type BeforeApplicationShutdown } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { DomainError } from '@turnout/domain';
import { WorkflowCommandHandler, claimDueLeases, releaseTaskLease } from '@turnout/workflow-runs';
import { RoutingMetrics } from '../metrics/routing-metrics';
import { WorkerPresenceService } from '../presence/worker-presence.service';
import { DATA_SOURCE } from '../router.tokens';

const SWEEP_EVERY_MS = 1_000;
const CLAIM_MS = 30_000;
const BATCH = 100;

/**
 * Gives up tasks that HTTP workers took and did not answer within the
 * response timeout: TaskTimedOut, then a retry routed afresh. Routers share
 * the leases; a claim that is not finished comes due again.
 */
@Injectable()
export class TaskLeaseSweeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(TaskLeaseSweeper.name);
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<void>;

  constructor(
    @Inject(DATA_SOURCE) private readonly db: DataSource,
    private readonly workflows: WorkflowCommandHandler,
    private readonly presence: WorkerPresenceService,
    private readonly metrics: RoutingMetrics,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.sweeping ??= this.sweep()
        .catch((error: Error) => this.logger.warn(`lease sweep failed: ${error.message}`))
        .finally(() => (this.sweeping = undefined));
    }, SWEEP_EVERY_MS);
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping;
  }

  private async sweep(): Promise<void> {
    for (;;) {
      const due = await claimDueLeases(this.db, BATCH, CLAIM_MS);
      for (const lease of due) {
        try {
          const startedAt = performance.now();
          const { events } = await this.workflows.handle(
            lease.workflowId,
            () => ({
              type: 'TimeOutTask',
              data: { taskId: lease.taskId, nextTaskId: randomUUID(), routing: this.presence.routingContext(), now: Math.max(Date.now(), lease.dueAt) },
            }),
            // The api appended TaskStarted: this router's cached state may not know it. The lease's
            // deadline (Postgres time) is what came due, whatever this machine's clock says.
            { read: 'fresh' },
          );
          this.metrics.record(events, startedAt);
          if (events.length > 0) this.logger.log(`task ${lease.taskId} of workflow ${lease.workflowId} timed out; scheduled again`);
        } catch (error) {
          // A lease whose workflow or task is gone has nothing left to time out.
          if (!(error instanceof DomainError)) throw error;
        }
        await releaseTaskLease(this.db, lease.taskId);
      }
      if (due.length < BATCH) return;
    }
  }
}
