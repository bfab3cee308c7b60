import { EVENTS_NOTIFY_CHANNEL } from './append-to-streams';
import { ListenSession } from './listen-session';

/**
 * A Postgres session of its own that holds an advisory lock for as long as it
 * lives and, once its owner is active, hears the NOTIFY of every append (the
 * outbox relay and the projection runner each keep one). Losing it means
 * losing the lock: the owner must stop at once, since another may take over.
 */
export class LockSession {
  private readonly session: ListenSession;
  private lostReason?: Error;
  private notifiedSinceRead = false;

  /** `wake` is called on a NOTIFY and when the session is lost: either asks the owner to act now. */
  constructor(
    databaseUrl: string,
    private readonly applicationName: string,
    wake: () => void,
  ) {
    this.session = new ListenSession({
      databaseUrl,
      applicationName,
      onNotification: () => {
        this.notifiedSinceRead = true;
        wake();
      },
      onLost: (error) => {
        this.lostReason ??= error;
        wake();
      },
    });
  }

  async connect(): Promise<void> {
    await this.session.connect();
  }

  /** One try: true when this session holds the lock now (it keeps it until it ends). */
  async tryLock(lockKey: number): Promise<boolean> {
    this.throwIfLost();
    const [row] = await this.session.query('select pg_try_advisory_lock($1) as locked', [lockKey]);
    return row.locked === true;
  }

  /** Called once the lock is held and before the first read, so that no NOTIFY falls between a read and the wait after it. */
  async listenForAppends(): Promise<void> {
    await this.session.listen(EVENTS_NOTIFY_CHANNEL);
  }

  /** True once the session, and with it the lock, is gone. */
  get isLost(): boolean {
    return this.lostReason !== undefined;
  }

  throwIfLost(): void {
    if (this.lostReason) throw new Error(`${this.applicationName}: session lost: ${this.lostReason.message}`);
  }

  /** A read starts: NOTIFYs from here on ask for another one (any number of them, one read). */
  beginRead(): void {
    this.notifiedSinceRead = false;
  }

  /** Whether a NOTIFY came since the last read began (also while the owner awaited something else). */
  get notified(): boolean {
    return this.notifiedSinceRead;
  }

  /** Ends the session, which releases the advisory lock. What the session does after this is no news. */
  async end(): Promise<void> {
    await this.session.end();
  }
}
