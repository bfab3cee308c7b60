import type { SqlRunner } from '@turnout/event-store';
import type { DeadLetter } from '@turnout/messaging';

/** Keeps a dead letter; one already kept (a redelivery) is left as it is. True when it was new. */
export async function recordDeadLetter(db: SqlRunner, letter: DeadLetter): Promise<boolean> {
  const inserted: unknown[] = await db.query(
    `insert into turnout_dead_letters (letter_id, queue, reason, dead_lettered_at, body, properties)
     values ($1, $2, $3, $4, $5, $6)
     on conflict (letter_id) do nothing
     returning id`,
    [letter.letterId, letter.queue, letter.reason, letter.deadLetteredAt, letter.body, JSON.stringify(letter.properties)],
  );
  return inserted.length === 1;
}
