import type { SqlRunner, StoredEvent } from '@turnout/event-store';

/** A read model kept from the log by the ProjectionRunner; it can be dropped and rebuilt from the log. */
export interface Projection {
  /** For logs. */
  readonly name: string;
  /** Applies a page of committed events in the runner's transaction; idempotent (a page may come again). */
  apply(tx: SqlRunner, events: readonly StoredEvent[]): Promise<void>;
}
