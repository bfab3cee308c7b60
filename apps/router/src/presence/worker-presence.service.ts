import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { PresenceSnapshot, type RoutingContext, type WorkerSighting } from '@turnout/domain';
import type { TurnoutConfig } from '@turnout/config';
import { readSightings } from '@turnout/presence';
import { DATA_SOURCE, TURNOUT_CONFIG } from '../router.tokens';

// Re-read this many revisions behind the cursor: upserts commit out of revision order.
const REVISION_OVERLAP = 1_000;
// Rebuild from scratch now and then, for anything the overlap missed.
const FULL_RELOAD_EVERY = 60;

/**
 * The router's in-memory view of the worker presence projection: routing
 * reads it without a database round trip; it follows Postgres within
 * `presenceRefreshMs`, and sightings this router records apply at once.
 */
@Injectable()
export class WorkerPresenceService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(WorkerPresenceService.name);
  private snapshot = new PresenceSnapshot();
  private cursor = 0;
  private refreshes = 0;
  private timer?: NodeJS.Timeout;
  private refreshing?: Promise<void>;

  constructor(
    @Inject(DATA_SOURCE) private readonly db: DataSource,
    @Inject(TURNOUT_CONFIG) private readonly config: TurnoutConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => {
      this.refreshing ??= this.refresh()
        .catch((error: Error) => this.logger.warn(`presence refresh failed: ${error.message}`))
        .finally(() => (this.refreshing = undefined));
    }, this.config.presenceRefreshMs);
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.refreshing;
  }

  routingContext(): RoutingContext {
    return { presence: this.snapshot, activeWorkerTimeoutMs: this.config.activeWorkerTimeoutMs };
  }

  apply(sighting: WorkerSighting): void {
    this.snapshot.apply(sighting);
  }

  private async refresh(): Promise<void> {
    this.refreshes += 1;
    const fullReload = this.refreshes % FULL_RELOAD_EVERY === 0;
    const target = fullReload ? new PresenceSnapshot() : this.snapshot;
    let after = fullReload ? 0 : Math.max(0, this.cursor - REVISION_OVERLAP);
    let maxRevision = fullReload ? 0 : this.cursor;
    for (;;) {
      const rows = await readSightings(this.db, after);
      for (const row of rows) {
        target.apply(row);
        maxRevision = Math.max(maxRevision, row.revision);
      }
      if (rows.length < 10_000) break;
      after = rows[rows.length - 1].revision;
    }
    this.snapshot = target;
    this.cursor = maxRevision;
  }
}
