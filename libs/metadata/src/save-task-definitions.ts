import type { TaskDef } from '@turnout/domain';
import type { SqlRunner } from '@turnout/event-store';

/** Registers or replaces task definitions by name, all or none. */
export async function saveTaskDefinitions(db: SqlRunner, definitions: readonly TaskDef[]): Promise<void> {
  await db.query(
    `insert into turnout_task_definitions (name, definition)
     select definition->>'name', definition from jsonb_array_elements($1::jsonb) as definition
     on conflict (name) do update set definition = excluded.definition, updated_at = now()`,
    [JSON.stringify(definitions)],
  );
}
