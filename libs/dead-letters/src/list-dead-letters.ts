import type { SqlRunner } from '@turnout/event-store';
import type { DeadLetter } from '@turnout/messaging';

export interface DeadLetterPage {
  /** Every dead letter kept. */
  totalHits: number;
  /** Newest first, from `start`. */
  results: DeadLetter[];
}

/** A page of the dead letters kept, newest first (by arrival), and how many there are. */
export async function listDeadLetters(db: SqlRunner, start: number, size: number): Promise<DeadLetterPage> {
  const rows: Array<{ letter_id: string; queue: string; reason: string; dead_lettered_at: string; body: Buffer; properties: Record<string, unknown>; total: string }> =
    await db.query(
      `select letter_id, queue, reason, dead_lettered_at, body, properties, count(*) over () as total
       from turnout_dead_letters order by id desc offset $1 limit $2`,
      [start, size],
    );
  // A page past the end has no row to carry the count.
  const totalHits = rows.length > 0 ? Number(rows[0].total) : Number((await db.query('select count(*) as total from turnout_dead_letters'))[0].total);
  return {
    totalHits,
    results: rows.map((row) => ({
      letterId: row.letter_id,
      queue: row.queue,
      reason: row.reason,
      deadLetteredAt: Number(row.dead_lettered_at),
      body: row.body,
      properties: row.properties,
    })),
  };
}
