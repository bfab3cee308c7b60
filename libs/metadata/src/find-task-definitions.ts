import type { TaskDef } from '@turnout/domain';
import type { SqlRunner } from '@turnout/event-store';

export async function findTaskDefinitions(db: SqlRunner, names: readonly string[]): Promise<Map<string, TaskDef>> {
  const rows: Array<{ definition: TaskDef }> = await db.query(
    'select definition from turnout_task_definitions where name = any($1::text[])',
    [names],
  );
  return new Map(rows.map((row) => [row.definition.name, row.definition]));
}
