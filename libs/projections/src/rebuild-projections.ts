import { escapeIdentifier } from 'pg';
import { type Checkpoint, START_CHECKPOINT, type StoredEvent, declareNotAppending, readCheckpoint, readCommittedEvents } from '@turnout/event-store';
import type { ReadModel } from './projection';
import type { TransactionalDb } from './projection-runner';

export interface RebuildOptions {
  /** The checkpoint of the runner that keeps these read models: the rebuild goes up to it, and leaves it where it is. */
  subscriptionName: string;
  /** Events read and applied at a time. */
  pageSize: number;
  /** A line now and then while it runs, and one at the end. */
  onProgress: (line: string) => void;
  /** At most one progress line this often (default 1 s). */
  progressEveryMs?: number;
}

export interface RebuildReport {
  events: number;
  upTo: Checkpoint;
}

const TABLE_NAME = /^[a-z_][a-z0-9_]*$/;

const isAfter = (event: StoredEvent, limit: Checkpoint): boolean =>
  BigInt(event.transactionId) > BigInt(limit.transactionId) ||
  (event.transactionId === limit.transactionId && BigInt(event.globalPosition) > BigInt(limit.globalPosition));

/**
 * Empties the read models' tables and applies the log to them again from its
 * start, up to the checkpoint of the runner that keeps them, in one
 * transaction. Safe while routers run: the tables are locked first (in the
 * order the runner writes them, so neither waits on the other for ever), and
 * the checkpoint is read once they are: a runner's page under way commits
 * before, and the next one waits, then finds the tables as it left them, its
 * checkpoint untouched. Readers of the tables (search, a task by id, timer
 * claims) wait until it commits, and so does whatever reads the log below the
 * xmin horizon (the relay): this transaction holds it back. Reactions are not
 * given: nothing they did is done again.
 */
export async function rebuildProjections(db: TransactionalDb, readModels: readonly ReadModel[], options: RebuildOptions): Promise<RebuildReport> {
  const names = readModels.flatMap((readModel) => readModel.tables);
  const badName = names.find((table) => !TABLE_NAME.test(table));
  if (badName !== undefined) throw new Error(`not a table name: ${JSON.stringify(badName)}`);
  // Identifiers cannot be parameters: the read models' own names, checked above, and quoted all the same.
  const tables = names.map(escapeIdentifier);
  const progressEveryMs = options.progressEveryMs ?? 1_000;
  return db.transaction(async (tx) => {
    // It appends nothing: the relay goes on publishing while it runs.
    await declareNotAppending(tx);
    if (tables.length > 0) await tx.query(`lock table ${tables.join(', ')} in access exclusive mode`);
    const upTo = await readCheckpoint(tx, options.subscriptionName);
    if (tables.length > 0) await tx.query(`truncate ${tables.join(', ')}`);
    options.onProgress(`rebuilding ${readModels.map((readModel) => readModel.name).join(', ')} from the log up to position ${upTo.globalPosition}`);
    let after = START_CHECKPOINT;
    let applied = 0;
    let lastLineAt = Date.now();
    for (;;) {
      const page = await readCommittedEvents(tx, after, options.pageSize);
      const events = page.filter((event) => !isAfter(event, upTo));
      if (events.length === 0) break;
      for (const readModel of readModels) await readModel.apply(tx, events);
      applied += events.length;
      const last = events[events.length - 1];
      after = { transactionId: last.transactionId, globalPosition: last.globalPosition };
      if (Date.now() - lastLineAt >= progressEveryMs) {
        lastLineAt = Date.now();
        options.onProgress(`${applied} events applied (position ${last.globalPosition} of ${upTo.globalPosition})`);
      }
      if (events.length < page.length || page.length < options.pageSize) break;
    }
    options.onProgress(`rebuilt from ${applied} events`);
    return { events: applied, upTo };
  });
}
