import type { WorkflowDef } from '@turnout/domain';
import type { SqlRunner } from '@turnout/event-store';

/**
 * Stores a workflow definition under (name, version). With `overwrite` false an
 * existing one is left alone and the call answers false (Conductor's 409).
 */
export async function saveWorkflowDefinition(db: SqlRunner, definition: WorkflowDef, overwrite: boolean): Promise<boolean> {
  const rows: unknown[] = await db.query(
    `insert into turnout_workflow_definitions (name, version, definition) values ($1, $2, $3::jsonb)
     on conflict (name, version) do ${overwrite ? 'update set definition = excluded.definition, updated_at = now()' : 'nothing'}
     returning name`,
    [definition.name, definition.version, JSON.stringify(definition)],
  );
  return rows.length > 0;
}
