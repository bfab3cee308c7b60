import { ADVISORY_LOCK_KEYS } from './advisory-lock-keys';
import type { SqlRunner } from './sql-runner';

/**
 * Says, as the first statement of a transaction, that it will append no event
 * (a shared advisory lock held until it ends; none is ever taken exclusive, so
 * it never waits). readCommittedEvents then reads past it: a long projection
 * page no longer holds back the relay, and with it every task's publish.
 * Taken later than first, or in a transaction that appends after all, it would
 * let a reader pass that transaction's events for good.
 */
export async function declareNotAppending(tx: SqlRunner): Promise<void> {
  await tx.query('select pg_advisory_xact_lock_shared($1)', [ADVISORY_LOCK_KEYS.notAppending]);
}
