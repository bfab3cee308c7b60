import type { WorkflowDef } from '@turnout/domain';
import type { SqlRunner } from '@turnout/event-store';

/** Every workflow definition, every version, by name then version. */
export async function listWorkflowDefinitions(db: SqlRunner): Promise<WorkflowDef[]> {
  const rows: Array<{ definition: WorkflowDef }> = await db.query(
    'select definition from turnout_workflow_definitions order by name, version',
  );
  return rows.map((row) => row.definition);
}
