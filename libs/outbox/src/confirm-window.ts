import type { Checkpoint } from '@turnout/event-store';

// Pages published while earlier ones await their confirms: the broker's confirm latency
// (a quorum queue's fsync) overlaps the next read instead of adding to every event's wait.
const MAX_UNCONFIRMED_PAGES = 8;

/** A page of events the relay published, and how far it takes the checkpoint once the broker confirms it. */
export interface PublishedPage {
  upTo: Checkpoint;
  count: number;
}

interface UnconfirmedPage extends PublishedPage {
  confirmed: Promise<void>;
  done: boolean;
}

/**
 * Pages published and not yet confirmed, oldest first. The relay reads and
 * publishes the next page while the broker confirms earlier ones (one channel
 * keeps them in order). Pages are settled oldest first, so the checkpoint only
 * ever moves past pages that are confirmed, and every page before them too.
 */
export class ConfirmWindow {
  private readonly pages: UnconfirmedPage[] = [];

  /** `onConfirmed` hears of each page as it is settled, in publish order. */
  constructor(private readonly onConfirmed: (page: PublishedPage) => void) {}

  /** `confirmed` rejects when the broker nacks a message or the channel closes first; settling awaits it, in order. */
  add(page: PublishedPage, confirmed: Promise<void>): void {
    const unconfirmed: UnconfirmedPage = { ...page, confirmed, done: false };
    confirmed.then(() => (unconfirmed.done = true), () => undefined);
    this.pages.push(unconfirmed);
  }

  /** Settles the oldest pages that are confirmed already, and waits for the oldest while more than the window holds are out. */
  async settleConfirmed(): Promise<void> {
    while (this.pages.length > 0 && (this.pages[0].done || this.pages.length > MAX_UNCONFIRMED_PAGES)) await this.settleOldest();
  }

  /** Waits for every page out: the relay goes idle, or stops (what was published may be confirmed yet, and then need not be published again). */
  async settleAll(): Promise<void> {
    while (this.pages.length > 0) await this.settleOldest();
  }

  private async settleOldest(): Promise<void> {
    const oldest = this.pages[0];
    await oldest.confirmed;
    this.pages.shift();
    this.onConfirmed({ upTo: oldest.upTo, count: oldest.count });
  }
}
