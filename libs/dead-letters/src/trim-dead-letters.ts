import type { SqlRunner } from '@turnout/event-store';

/** Deletes all but the newest `keep` dead letters (by arrival); answers how many went. Two walks of the primary key. */
export async function trimDeadLetters(db: SqlRunner, keep: number): Promise<number> {
  const rows: Array<{ deleted: string }> = await db.query(
    `with deleted as (
       delete from turnout_dead_letters
       where id <= (select id from turnout_dead_letters order by id desc offset $1 limit 1)
       returning 1)
     select count(*) as deleted from deleted`,
    [keep],
  );
  return Number(rows[0].deleted);
}
