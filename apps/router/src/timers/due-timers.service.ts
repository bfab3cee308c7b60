import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type BeforeApplicationShutdown } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { TurnoutConfig } from '@turnout/config';
import { DomainError, messageOf } from '@turnout/domain';
import { type ClaimedTimer, claimDueTimers, deleteTimer } from '@turnout/timers';
import { WorkflowCommandHandler } from '@turnout/workflow-runs';
import { RoutingMetrics } from '../metrics/routing-metrics';
import { WorkerPresenceService } from '../presence/worker-presence.service';
import { DATA_SOURCE, TURNOUT_CONFIG } from '../router.tokens';

// A claim not finished within this (the router died) comes due again for any router.
const CLAIM_MS = 30_000;
const BATCH = 100;

/**
 * Fires the durable timers that came due (retry delays, poll, response, task
 * and workflow timeouts): every TIMER_POLL_MS one indexed query claims them,
 * then each goes through the one command handler as FireTimer and is deleted.
 * Routers share the timers; one that is stale, or fires twice, decides nothing.
 */
@Injectable()
export class DueTimersService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DueTimersService.name);
  private interval?: NodeJS.Timeout;
  private firing?: Promise<void>;

  constructor(
    @Inject(DATA_SOURCE) private readonly db: DataSource,
    @Inject(TURNOUT_CONFIG) private readonly config: TurnoutConfig,
    private readonly workflows: WorkflowCommandHandler,
    private readonly presence: WorkerPresenceService,
    private readonly metrics: RoutingMetrics,
  ) {}

  onApplicationBootstrap(): void {
    this.interval = setInterval(() => {
      this.firing ??= this.fireDue()
        .catch((error: unknown) => this.logger.warn(`firing due timers failed: ${messageOf(error)}`))
        .finally(() => (this.firing = undefined));
    }, this.config.timerPollMs);
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.interval);
    await this.firing;
  }

  /** Claims what is due and fires it, batch after batch, until less than a batch was due. */
  async fireDue(): Promise<void> {
    for (;;) {
      const claimed = await claimDueTimers(this.db, BATCH, CLAIM_MS);
      const outcomes = await Promise.allSettled(claimed.map((timer) => this.fire(timer)));
      const failures = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
      // Left claimed: they come due again once the claim runs out.
      if (failures.length > 0) throw new Error(`${failures.length} of ${claimed.length} timers did not fire: ${messageOf(failures[0].reason)}`);
      if (claimed.length < BATCH) return;
    }
  }

  private async fire({ id, timer }: ClaimedTimer): Promise<void> {
    try {
      const startedAt = performance.now();
      const { events } = await this.workflows.handle(
        timer.workflowId,
        () => ({
          type: 'FireTimer',
          // The due time is Postgres's clock: it came due, whatever this machine's clock says.
          data: { timer, nextTaskId: randomUUID(), routing: this.presence.routingContext(), now: Math.max(Date.now(), timer.dueAt) },
        }),
        // The api appends too (an HTTP worker's TaskStarted): this router's cached state may not know it.
        { read: 'fresh' },
      );
      this.metrics.record(events, startedAt);
      if (events.length > 0) {
        const task = timer.taskId === null ? '' : ` task ${timer.taskId} of`;
        this.logger.log({
          msg: `${timer.kind} of${task} workflow ${timer.workflowId}: ${events.map((event) => event.type).join(', ')}`,
          // The ids as fields too, so that a log search by workflow or task finds the line.
          workflowId: timer.workflowId,
          ...(timer.taskId === null ? {} : { taskId: timer.taskId }),
        });
      }
    } catch (error) {
      // A timer whose run is gone has nothing left to decide.
      if (!(error instanceof DomainError)) throw error;
    }
    await deleteTimer(this.db, id);
  }
}
