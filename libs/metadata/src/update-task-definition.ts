import type { TaskDef } from '@turnout/domain';
import type { SqlRunner } from '@turnout/event-store';

/** Replaces a registered task definition; answers false when none has its name (Conductor's 404: an update creates nothing). */
export async function updateTaskDefinition(db: SqlRunner, definition: TaskDef): Promise<boolean> {
  // Through a CTE: TypeORM answers a bare UPDATE with [rows, count], a SELECT with its rows.
  const rows: unknown[] = await db.query(
    `with updated as (update turnout_task_definitions set definition = $2::jsonb, updated_at = now() where name = $1 returning name)
     select name from updated`,
    [definition.name, JSON.stringify(definition)],
  );
  return rows.length > 0;
}
