import type { WorkflowDef } from '@turnout/domain';
import type { SqlRunner } from '@turnout/event-store';

/** A workflow definition asked for by name: a version, or the latest when none is given. */
export interface WorkflowDefinitionKey {
  name: string;
  version?: number;
}

/** Several workflow definitions in one round trip, in the order asked for; undefined where none is registered. */
export async function findWorkflowDefinitions(db: SqlRunner, keys: readonly WorkflowDefinitionKey[]): Promise<Array<WorkflowDef | undefined>> {
  if (keys.length === 0) return [];
  const rows: Array<{ position: string; definition: WorkflowDef }> = await db.query(
    `select wanted.position, found.definition
     from unnest($1::text[], $2::integer[]) with ordinality as wanted(name, version, position)
     cross join lateral (
       select w.definition from turnout_workflow_definitions w
       where w.name = wanted.name and (wanted.version is null or w.version = wanted.version)
       order by w.version desc limit 1
     ) as found`,
    [keys.map((key) => key.name), keys.map((key) => key.version ?? null)],
  );
  const found = new Map(rows.map((row) => [Number(row.position), row.definition]));
  return keys.map((_key, index) => found.get(index + 1));
}
