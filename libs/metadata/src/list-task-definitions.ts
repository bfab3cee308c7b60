import type { TaskDef } from '@turnout/domain';
import type { SqlRunner } from '@turnout/event-store';

/** Every task definition, by name. */
export async function listTaskDefinitions(db: SqlRunner): Promise<TaskDef[]> {
  const rows: Array<{ definition: TaskDef }> = await db.query('select definition from turnout_task_definitions order by name');
  return rows.map((row) => row.definition);
}
