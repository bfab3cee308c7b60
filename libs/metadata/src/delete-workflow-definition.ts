import type { SqlRunner } from '@turnout/event-store';

/**
 * Removes one version of a workflow definition; answers false when there was
 * none (Conductor's 404). The latest is then the highest version left. Runs
 * already started keep the blueprint they were started with.
 */
export async function deleteWorkflowDefinition(db: SqlRunner, name: string, version: number): Promise<boolean> {
  // Through a CTE: TypeORM answers a bare DELETE with [rows, count], a SELECT with its rows.
  const rows: unknown[] = await db.query(
    'with deleted as (delete from turnout_workflow_definitions where name = $1 and version = $2 returning name) select name from deleted',
    [name, version],
  );
  return rows.length > 0;
}
