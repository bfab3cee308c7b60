import { messageOf } from '@turnout/domain';
import {
  type ActiveLoop,
  ADVISORY_LOCK_KEYS,
  type Checkpoint,
  ExclusiveLoop,
  type LockSession,
  type LoopLogger,
  type SqlRunner,
  type StoredEvent,
  declareNotAppending,
  readCheckpoint,
  readCommittedEvents,
  storeCheckpoint,
} from '@turnout/event-store';
import type { Projection } from './projection';

/** A database that runs work in one transaction (a TypeORM DataSource does). */
export interface TransactionalDb extends SqlRunner {
  transaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T>;
}

export interface ProjectionRunnerOptions {
  /** For the runner's own session: the advisory lock and LISTEN. */
  databaseUrl: string;
  db: TransactionalDb;
  projections: readonly Projection[];
  /** The name of the runner's checkpoint in turnout_subscriptions. */
  subscriptionName: string;
  /** Runners with the same key on one database take turns (default: ADVISORY_LOCK_KEYS.projections). */
  lockKey?: number;
  /** Events read and applied per page (per transaction). */
  batchSize: number;
  /** How often a waiting runner retries the lock, and an active one reads without a NOTIFY. */
  pollMs: number;
  /**
   * After a page that was not full, the next read waits until this long after
   * the last one began (default 0): under a steady stream of small appends the
   * pages grow, and so do the transactions, fewer of them. The projections lag
   * the log by about this much more.
   */
  minPageIntervalMs?: number;
  logger?: LoopLogger;
}

/**
 * Keeps projections of the log: reads committed events gap-safely from its
 * checkpoint and, for each page, applies it to every projection and stores
 * the checkpoint in one transaction, so a page counts for all of them or for
 * none. Wakes on the NOTIFY of every append, with a poll for what the xmin
 * horizon held back. One runner per database is active; the others wait.
 */
export class ProjectionRunner {
  /** Events applied by this runner since it was created. */
  appliedCount = 0;
  private readonly loop: ExclusiveLoop;

  constructor(private readonly options: ProjectionRunnerOptions) {
    this.loop = new ExclusiveLoop({
      databaseUrl: options.databaseUrl,
      name: `projection runner (${options.projections.map((projection) => projection.name).join(', ')})`,
      sessionName: `turnout projection runner (${options.subscriptionName})`,
      lockKey: options.lockKey ?? ADVISORY_LOCK_KEYS.projections,
      pollMs: options.pollMs,
      logger: options.logger,
      whileActive: (session, loop) => this.follow(session, loop),
    });
  }

  /** True while this runner holds the lock, i.e. it is the one applying events. */
  isActive(): boolean {
    return this.loop.isActive();
  }

  /** Starts in the background; returns at once, without waiting for the lock. */
  start(): Promise<void> {
    return this.loop.start();
  }

  /** Stops, and releases the lock and its session. Safe to call more than once. */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  private async follow(session: LockSession, loop: ActiveLoop): Promise<void> {
    const { db, subscriptionName, batchSize, pollMs } = this.options;
    // Read after taking the lock: the previous holder may have moved it on.
    let position = await readCheckpoint(db, subscriptionName);
    const minPageIntervalMs = this.options.minPageIntervalMs ?? 0;
    while (loop.running) {
      session.throwIfLost();
      const readAt = Date.now();
      session.beginRead();
      const events = await readCommittedEvents(db, position, batchSize);
      if (events.length > 0) {
        position = await this.applyPage(session, events);
        this.appliedCount += events.length;
      }
      if (events.length > 0 && events.length < batchSize) {
        const rest = minPageIntervalMs - (Date.now() - readAt);
        // A NOTIFY in between must not cut it short: only the page interval passes here.
        if (rest > 0) await new Promise((resolve) => setTimeout(resolve, rest));
      }
      // A full page means more is waiting; otherwise wait for a NOTIFY, or for the poll
      // that catches events held back by the xmin horizon (no NOTIFY comes for those).
      if (events.length < batchSize && !session.notified) await loop.sleep(pollMs);
    }
  }

  /** The page, for every projection, and the checkpoint after it: one commit, or nothing at all. */
  private async applyPage(session: LockSession, events: readonly StoredEvent[]): Promise<Checkpoint> {
    const last = events[events.length - 1];
    const upTo: Checkpoint = { transactionId: last.transactionId, globalPosition: last.globalPosition };
    await this.options.db.transaction(async (tx) => {
      // First, before any write gives the transaction an id: the relay reads past a page however long it takes.
      // Reactions append through their own transactions, never through this one.
      await declareNotAppending(tx);
      for (const projection of this.options.projections) {
        try {
          await projection.apply(tx, events);
        } catch (error) {
          throw new Error(`projection ${projection.name} failed: ${messageOf(error)}`);
        }
      }
      // Once the lock is gone another runner may be ahead: storing would move its checkpoint back.
      session.throwIfLost();
      await storeCheckpoint(tx, this.options.subscriptionName, upTo);
    });
    return upTo;
  }
}
