import type { TurnoutConfig } from '@turnout/config';
import { PresenceSnapshot, type RoutingContext, type WorkerSighting } from '@turnout/domain';
import { ListenSession, type SqlRunner } from '@turnout/event-store';
import { readSightings } from './read-sightings';
import { PRESENCE_CHANGED_CHANNEL } from './record-sightings';

// Re-read this many revisions behind the cursor: upserts commit out of revision order.
const REVISION_OVERLAP = 1_000;
// Rebuild from scratch now and then, for anything the overlap missed.
const FULL_RELOAD_EVERY = 60;
const PAGE = 10_000;
// Announced changes closer together than this share one read: thousands of workers
// arriving at once cost a few reads, not one each.
const MIN_ANNOUNCED_REFRESH_GAP_MS = 25;

export interface FollowedPresenceOptions {
  /** How often the snapshot catches up with the projection. */
  refreshMs: number;
  activeWorkerTimeoutMs: number;
  /**
   * Where to LISTEN for PRESENCE_CHANGED_CHANNEL: a worker that appears, comes
   * back or says it is gone is then known within a round trip, not a refresh period.
   */
  databaseUrl?: string;
  /** A failed refresh or listen keeps the last snapshot; both are tried again at the next tick. */
  onProblem: (message: string) => void;
}

/** The options every Turnout process follows presence with, from its configuration. */
export function followedPresenceOptions(
  config: Pick<TurnoutConfig, 'presenceRefreshMs' | 'activeWorkerTimeoutMs' | 'databaseUrl'>,
  onProblem: (message: string) => void,
): FollowedPresenceOptions {
  return { refreshMs: config.presenceRefreshMs, activeWorkerTimeoutMs: config.activeWorkerTimeoutMs, databaseUrl: config.databaseUrl, onProblem };
}

/**
 * An in-memory view of the worker presence projection, for routing without a
 * database round trip: it follows Postgres every `refreshMs` and at once when a
 * recorded sighting may change routing (PRESENCE_CHANGED_CHANNEL), and sightings
 * this process learns of itself apply at once. The router and the api (which
 * routes a run's first task) each keep one.
 */
export class FollowedPresence {
  private snapshot = new PresenceSnapshot();
  private cursor = 0;
  private refreshes = 0;
  private timer?: NodeJS.Timeout;
  private refreshing?: Promise<void>;
  private followUp?: Promise<void>;
  private catchingUp?: Promise<void>;
  private listener?: ListenSession;
  private listening?: Promise<void>;
  private stopped = false;
  private lastRefreshStartedAt = 0;
  private announced = false;

  constructor(
    private readonly db: SqlRunner,
    private readonly options: FollowedPresenceOptions,
  ) {}

  /** Listens, loads the projection, then follows it. */
  async start(): Promise<void> {
    this.keepListening();
    await this.listening;
    // Once listening, the first read is already under way (whatever changed while no one listened).
    await (this.catchingUp ?? this.refreshSoon());
    this.timer = setInterval(() => {
      this.keepListening();
      if (this.refreshing === undefined) void this.refreshSoon();
    }, this.options.refreshMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.listening;
    await this.listener?.end();
    this.listener = undefined;
    await this.followUp;
    await this.refreshing;
  }

  routingContext(): RoutingContext {
    return { presence: this.snapshot, activeWorkerTimeoutMs: this.options.activeWorkerTimeoutMs };
  }

  /**
   * Resolves once the snapshot holds every change announced so far: call it
   * before a routing decision that a worker starting or stopping a moment ago
   * should see. Costs nothing unless a change is being read.
   */
  caughtUp(): Promise<void> {
    return this.catchingUp ?? Promise.resolve();
  }

  apply(sighting: WorkerSighting): void {
    this.snapshot.apply(sighting);
  }

  /** A sighting by a task result: refreshes a worker known and not gone only (PresenceSnapshot.applyByResult). */
  applyByResult(sighting: WorkerSighting): void {
    this.snapshot.applyByResult(sighting);
  }

  /** Refreshes now, or right after the refresh under way (which may have read before the change). */
  private refreshSoon(): Promise<void> {
    if (this.refreshing !== undefined) {
      this.followUp ??= this.refreshing.then(() => {
        this.followUp = undefined;
        return this.refreshSoon();
      });
      return this.followUp;
    }
    const refreshing = this.refresh()
      .catch((error: Error) => this.options.onProblem(`presence refresh failed: ${error.message}`))
      .finally(() => (this.refreshing = undefined));
    this.refreshing = refreshing;
    return refreshing;
  }

  private onChangeAnnounced(): void {
    this.announced = true;
    if (this.catchingUp !== undefined) return;
    const catchingUp = this.catchUp().finally(() => {
      if (this.catchingUp === catchingUp) this.catchingUp = undefined;
    });
    this.catchingUp = catchingUp;
  }

  /** Reads until no announcement came in during the last read. */
  private async catchUp(): Promise<void> {
    while (this.announced && !this.stopped) {
      const waitMs = this.lastRefreshStartedAt + MIN_ANNOUNCED_REFRESH_GAP_MS - Date.now();
      if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
      // Cleared before the read starts: whatever is announced from here on needs another one.
      this.announced = false;
      await this.refreshSoon();
    }
  }

  /** Opens the LISTEN session if there should be one and there is none (at start, and again after it was lost). */
  private keepListening(): void {
    const { databaseUrl } = this.options;
    if (databaseUrl === undefined || this.stopped || this.listener !== undefined || this.listening !== undefined) return;
    this.listening = this.listen(databaseUrl)
      .catch((error: Error) => this.options.onProblem(`presence changes not heard (polling every ${this.options.refreshMs} ms): ${error.message}`))
      .finally(() => (this.listening = undefined));
  }

  private async listen(databaseUrl: string): Promise<void> {
    const client = new ListenSession({
      databaseUrl,
      applicationName: 'turnout presence follower',
      onNotification: () => this.onChangeAnnounced(),
      onLost: () => lost(),
    });
    const lost = () => {
      if (this.listener !== client) return;
      this.listener = undefined;
      void client.end();
      if (!this.stopped) this.options.onProblem('presence LISTEN session lost; listening again at the next refresh');
    };
    try {
      await client.connect();
      await client.listen(PRESENCE_CHANGED_CHANNEL);
    } catch (error) {
      await client.end();
      throw error;
    }
    if (this.stopped) {
      await client.end();
      return;
    }
    this.listener = client;
    // Whatever changed while no one listened.
    this.onChangeAnnounced();
  }

  private async refresh(): Promise<void> {
    this.lastRefreshStartedAt = Date.now();
    this.refreshes += 1;
    const fullReload = this.refreshes % FULL_RELOAD_EVERY === 0;
    const target = fullReload ? new PresenceSnapshot() : this.snapshot;
    let after = fullReload ? 0 : Math.max(0, this.cursor - REVISION_OVERLAP);
    let maxRevision = fullReload ? 0 : this.cursor;
    for (;;) {
      const rows = await readSightings(this.db, after, PAGE);
      for (const row of rows) {
        target.apply(row);
        maxRevision = Math.max(maxRevision, row.revision);
      }
      if (rows.length < PAGE) break;
      after = rows[rows.length - 1].revision;
    }
    this.snapshot = target;
    this.cursor = maxRevision;
  }
}
