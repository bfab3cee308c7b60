import { type Checkpoint, type SqlRunner, laterCheckpoint, readCheckpoint, storeCheckpoint } from '@turnout/event-store';

// Under load the checkpoint is stored at most this often (and whenever the relay goes idle):
// a commit per page would cost as much as the page. A crash republishes at most this much.
const STORE_EVERY_MS = 200;

/**
 * Where the relay's subscription stands: the last event the broker confirmed,
 * and what of it is stored. It is stored only while the relay holds the lock:
 * once the lock is lost another relay may be ahead, and storing would only
 * cause duplicates.
 */
export class RelayCheckpoint {
  private stored: Checkpoint;
  private storedAt = Date.now();

  private constructor(
    private readonly db: SqlRunner,
    private readonly subscriptionName: string,
    stored: Checkpoint,
    private confirmed: Checkpoint,
    private readonly lockHeld: () => boolean,
  ) {
    this.stored = stored;
  }

  /**
   * To be read after taking the lock: the previous holder may have moved it on.
   * `confirmedEarlier` is where this relay's broker confirms had taken it before it
   * lost the lock: when PostgreSQL went away, that was never stored, and starting
   * from the stored one would publish every event since then again.
   */
  static async read(db: SqlRunner, subscriptionName: string, lockHeld: () => boolean, confirmedEarlier?: Checkpoint): Promise<RelayCheckpoint> {
    const stored = await readCheckpoint(db, subscriptionName);
    const confirmed = confirmedEarlier === undefined ? stored : laterCheckpoint(stored, confirmedEarlier);
    return new RelayCheckpoint(db, subscriptionName, stored, confirmed, lockHeld);
  }

  /** The last event confirmed: the relay has published everything up to here. */
  get position(): Checkpoint {
    return this.confirmed;
  }

  /** The broker confirmed everything up to `position`. */
  moveTo(position: Checkpoint): void {
    this.confirmed = position;
  }

  /** Stores the position when the relay goes idle, or when the last store is long enough ago. */
  async storeIfDue(idle: boolean): Promise<void> {
    if (idle || Date.now() - this.storedAt >= STORE_EVERY_MS) await this.store();
  }

  /** Stores the position, unless it is stored already or the lock is lost. */
  async store(): Promise<void> {
    if (this.stored === this.confirmed || !this.lockHeld()) return;
    const position = this.confirmed;
    await storeCheckpoint(this.db, this.subscriptionName, position);
    this.stored = position;
    this.storedAt = Date.now();
  }
}
