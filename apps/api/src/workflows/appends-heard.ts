import { EVENTS_NOTIFY_CHANNEL, ListenSession } from '@turnout/event-store';

/** Without a LISTEN session (not yet open, or lost), waiters look again this often. */
const UNHEARD_RECHECK_MS = 250;
/** With one, a last resort only: every append is announced. */
const HEARD_RECHECK_MS = 2_000;

export interface NextAppend {
  readonly heard: Promise<void>;
  forget(): void;
}

/**
 * Every append to the event log, as this api hears it: one LISTEN session on
 * the channel each append NOTIFYs (opened when first needed, again after it was
 * lost), shared by every request that waits for runs to move (the synchronous
 * execute). A waiter asks for the next append before it reads, then reads, then
 * waits: an append made while it read wakes it at once. The announcement names
 * no stream, so a waiter reads its own run again at each one.
 */
export class AppendsHeard {
  private session?: ListenSession;
  private opening?: Promise<void>;
  private waiters = new Set<() => void>();
  private ended = false;

  constructor(
    private readonly databaseUrl: string,
    private readonly onProblem: (message: string) => void,
  ) {}

  /**
   * The next append heard, or a recheck interval (shorter while no session
   * listens), whichever comes first. Ask for it before reading what the append
   * may change; forget it when no longer waited for.
   */
  async nextAppend(): Promise<NextAppend> {
    await this.listening();
    let wake!: () => void;
    const heard = new Promise<void>((resolve) => (wake = resolve));
    const recheck = setTimeout(wake, this.session === undefined ? UNHEARD_RECHECK_MS : HEARD_RECHECK_MS);
    this.waiters.add(wake);
    const forget = () => {
      clearTimeout(recheck);
      this.waiters.delete(wake);
    };
    return { heard: heard.then(forget), forget };
  }

  async end(): Promise<void> {
    this.ended = true;
    this.wakeAll();
    await this.session?.end();
  }

  /** Opens the session if there is none; a failure is reported and waiters recheck on their own. */
  private async listening(): Promise<void> {
    if (this.session !== undefined || this.ended) return;
    this.opening ??= this.open()
      .catch((error: Error) => this.onProblem(`appends not heard (runs rechecked every ${UNHEARD_RECHECK_MS} ms): ${error.message}`))
      .finally(() => (this.opening = undefined));
    await this.opening;
  }

  private async open(): Promise<void> {
    const session: ListenSession = new ListenSession({
      databaseUrl: this.databaseUrl,
      applicationName: 'turnout api execute waits',
      onNotification: () => this.wakeAll(),
      onLost: (error) => {
        if (this.session !== session) return;
        this.session = undefined;
        void session.end();
        this.onProblem(`appends LISTEN session lost (${error.message}); listening again at the next wait`);
        // Whatever they waited for may have been announced on the lost session.
        this.wakeAll();
      },
    });
    try {
      await session.connect();
      await session.listen(EVENTS_NOTIFY_CHANNEL);
    } catch (error) {
      await session.end();
      throw error;
    }
    if (this.ended) {
      await session.end();
      return;
    }
    this.session = session;
  }

  private wakeAll(): void {
    const waiting = this.waiters;
    this.waiters = new Set();
    for (const wake of waiting) wake();
  }
}
