import type { TaskDef, WorkflowDef } from '@turnout/domain';
import type { SqlRunner } from '@turnout/event-store';

/**
 * A workflow definition (a version, or the latest) and the task definitions its
 * tasks name, in one round trip: those of tasks inside branches and cases too
 * (its children's are findDefinitionTree's).
 */
export async function findWorkflowDefinitionWithTasks(
  db: SqlRunner,
  name: string,
  version?: number,
): Promise<{ definition: WorkflowDef; taskDefs: Map<string, TaskDef> } | undefined> {
  const rows: Array<{ definition: WorkflowDef; task_defs: TaskDef[] | null }> = await db.query(
    `select w.definition,
            (select jsonb_agg(t.definition) from turnout_task_definitions t
             where t.name in (select jsonb_path_query(w.definition, 'strict $.tasks.** ? (@.type() == "object" && exists(@.taskReferenceName)).name') #>> '{}')) as task_defs
     from turnout_workflow_definitions w
     where w.name = $1 and ($2::integer is null or w.version = $2::integer)
     order by w.version desc limit 1`,
    [name, version ?? null],
  );
  if (rows.length === 0) return undefined;
  return { definition: rows[0].definition, taskDefs: new Map((rows[0].task_defs ?? []).map((def) => [def.name, def])) };
}
