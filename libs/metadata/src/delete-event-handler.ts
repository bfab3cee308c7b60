import type { SqlRunner } from '@turnout/event-store';

/** Removes the handler of that name; answers false when there was none (Conductor's 404). */
export async function deleteEventHandler(db: SqlRunner, name: string): Promise<boolean> {
  // Through a CTE: TypeORM answers a bare DELETE with [rows, count], a SELECT with its rows.
  const rows: unknown[] = await db.query('with deleted as (delete from turnout_event_handlers where name = $1 returning name) select name from deleted', [name]);
  return rows.length > 0;
}
