import { LockSession } from './lock-session';

export interface LoopLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const SILENT_LOGGER: LoopLogger = { log: () => undefined, warn: () => undefined, error: () => undefined };

/** What the work of an active loop sees of it. */
export interface ActiveLoop {
  /** False once the loop is asked to stop: the work returns. */
  readonly running: boolean;
  /** Waits `ms`, or less when woken (a NOTIFY, a lost connection, a stop). */
  sleep(ms: number): Promise<void>;
  /** Ends a sleep now (the work's other connections call it when they are lost). */
  wake(): void;
}

export interface ExclusiveLoopOptions {
  databaseUrl: string;
  /** For log lines: "outbox relay", "projection runner". */
  name: string;
  /** Its Postgres session's application_name, for operators. */
  sessionName: string;
  /** Loops with the same key on one database take turns: one is active, the others wait. */
  lockKey: number;
  /** How often a waiting loop retries the lock; also where the backoff after a failure starts. */
  pollMs: number;
  logger?: LoopLogger;
  /**
   * The work, run once the lock is held and the session LISTENs for appends:
   * it returns when `loop.running` turns false and throws when it fails (it is
   * then started over, on a new session, after a backoff).
   */
  whileActive: (session: LockSession, loop: ActiveLoop) => Promise<void>;
}

const MAX_BACKOFF_MS = 10_000;

/**
 * Runs a piece of work in one process per database at a time (a session-level
 * advisory lock), on a session that hears every append. Failures (Postgres
 * gone, the work's own) are logged and retried with backoff; the loop never
 * gives up while it is started. The outbox relay and the projection runner are
 * built on it.
 */
export class ExclusiveLoop {
  private readonly logger: LoopLogger;
  private running = false;
  private active = false;
  private loop?: Promise<void>;
  private session?: LockSession;
  private wakeUp?: () => void;
  private readonly control: ActiveLoop;

  constructor(private readonly options: ExclusiveLoopOptions) {
    this.logger = options.logger ?? SILENT_LOGGER;
    const self = this;
    this.control = {
      get running() {
        return self.running;
      },
      sleep: (ms) => this.sleep(ms),
      wake: () => this.wake(),
    };
  }

  /** True while this loop holds the lock, i.e. it is the one at work. */
  isActive(): boolean {
    return this.active;
  }

  /** Starts in the background; returns at once, without waiting for the lock. */
  async start(): Promise<void> {
    if (this.running) return;
    // A stop still under way ends first: two runs must never share this loop's connections.
    await this.loop;
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops, and releases the lock and the session. Safe to call more than once. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { name, pollMs } = this.options;
    let backoffMs = pollMs;
    while (this.running) {
      const attemptStartedAt = Date.now();
      try {
        await this.holdLockAndWork();
      } catch (error) {
        if (!this.running) break;
        // An attempt that ran well for a while failed on something new: start the backoff over.
        if (Date.now() - attemptStartedAt >= MAX_BACKOFF_MS) backoffMs = pollMs;
        // Not domain's messageOf: the event store imports no other Turnout library.
        this.logger.error(`${name} failed, retrying in ${backoffMs} ms: ${error instanceof Error ? error.message : String(error)}`);
        await this.release();
        await this.sleep(backoffMs);
        backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
      } finally {
        await this.release();
      }
    }
  }

  private async holdLockAndWork(): Promise<void> {
    const { databaseUrl, sessionName, name, lockKey } = this.options;
    const session = new LockSession(databaseUrl, sessionName, () => this.wake());
    this.session = session;
    await session.connect();
    if (!(await this.waitForLock(session))) return;
    await session.listenForAppends();
    this.active = true;
    this.logger.log(`${name} active (lock ${lockKey})`);
    await this.options.whileActive(session, this.control);
  }

  /** False when the loop stopped before it got the lock. */
  private async waitForLock(session: LockSession): Promise<boolean> {
    const { name, lockKey, pollMs } = this.options;
    let toldWaiting = false;
    while (this.running) {
      if (await session.tryLock(lockKey)) return true;
      if (!toldWaiting) this.logger.log(`${name} waiting: another process holds lock ${lockKey}`);
      toldWaiting = true;
      await this.sleep(pollMs);
    }
    return false;
  }

  private async release(): Promise<void> {
    const wasActive = this.active;
    this.active = false;
    const session = this.session;
    this.session = undefined;
    await session?.end();
    if (wasActive) this.logger.log(`${this.options.name} released lock ${this.options.lockKey}`);
  }

  private sleep(ms: number): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
  }

  private wake(): void {
    const wakeUp = this.wakeUp;
    this.wakeUp = undefined;
    wakeUp?.();
  }
}
