import type { SqlRunner } from '@turnout/event-store';

/** Deletes a timer that fired (or whose run is gone), by the id its claim returned. */
export async function deleteTimer(db: SqlRunner, id: string): Promise<void> {
  await db.query('delete from turnout_timers where id = $1', [id]);
}
