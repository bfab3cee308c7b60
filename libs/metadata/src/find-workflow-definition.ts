import type { WorkflowDef } from '@turnout/domain';
import type { SqlRunner } from '@turnout/event-store';

/** A version of a workflow definition, or its latest when no version is given. */
export async function findWorkflowDefinition(db: SqlRunner, name: string, version?: number): Promise<WorkflowDef | undefined> {
  const rows: Array<{ definition: WorkflowDef }> = await db.query(
    `select definition from turnout_workflow_definitions
     where name = $1 and ($2::integer is null or version = $2::integer)
     order by version desc limit 1`,
    [name, version ?? null],
  );
  return rows[0]?.definition;
}
