import type { SqlRunner } from '@turnout/event-store';

/**
 * Removes the task definition of that name; answers false when there was none
 * (Conductor's 404). Runs already started keep the policy frozen in their blueprint.
 */
export async function deleteTaskDefinition(db: SqlRunner, name: string): Promise<boolean> {
  // Through a CTE: TypeORM answers a bare DELETE with [rows, count], a SELECT with its rows.
  const rows: unknown[] = await db.query('with deleted as (delete from turnout_task_definitions where name = $1 returning name) select name from deleted', [name]);
  return rows.length > 0;
}
