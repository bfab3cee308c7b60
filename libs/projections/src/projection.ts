import type { SqlRunner, StoredEvent } from '@turnout/event-store';

/** A read model kept from the log by the ProjectionRunner; it can be dropped and rebuilt from the log. */
export interface Projection {
  /** For logs. */
  readonly name: string;
  /** Applies a page of committed events in the runner's transaction; idempotent (a page may come again). */
  apply(tx: SqlRunner, events: readonly StoredEvent[]): Promise<void>;
}

/**
 * A projection that is only a read model: rebuilding it from the log
 * (rebuildProjections) empties `tables` and applies the log again. A reaction
 * to the log (one that gives commands) is a Projection but never a ReadModel:
 * its effects must not happen again.
 */
export interface ReadModel extends Projection {
  /**
   * The tables it alone keeps, which a rebuild empties first, in the order it
   * writes them (a rebuild locks them in that order). None for a read model
   * that only adds what the log implies to a table others write too.
   */
  readonly tables: readonly string[];
}
