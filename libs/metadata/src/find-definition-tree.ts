import {
  type SubWorkflowResolver,
  type TaskDef,
  type Validated,
  type WorkflowBlueprint,
  type WorkflowDef,
  buildBlueprint,
  taskDefNamesOf,
  subWorkflowNamesOf,
} from '@turnout/domain';
import type { SqlRunner } from '@turnout/event-store';
import { findTaskDefinitions } from './find-task-definitions';
import { type WorkflowDefinitionKey, findWorkflowDefinitions } from './find-workflow-definitions';

/** What a blueprint of a definition needs from the store: its children's definitions, recursively, and every task definition of the tree. */
export interface DefinitionTree {
  taskDefs: Map<string, TaskDef>;
  /** Answers what the store held when the tree was read: a child's latest version is the one of then. */
  subWorkflowOf: SubWorkflowResolver;
}

const keyOf = (name: string, version: number | undefined): string => `${name}\u0000${version ?? 'latest'}`;

/**
 * Loads the sub-workflows `definition` starts, theirs, and so on (one round trip
 * per level of children), then the task definitions of every SIMPLE and HTTP task of the
 * tree (one more). Each (name, version) is read once, so a cycle ends the
 * reading; a missing child or a cycle is buildBlueprint's to refuse.
 */
export async function findDefinitionTree(db: SqlRunner, definition: WorkflowDef): Promise<DefinitionTree> {
  const children = new Map<string, WorkflowDef | undefined>();
  const definitions: WorkflowDef[] = [definition];
  let wanted = unreadChildrenOf([definition], children);
  while (wanted.length > 0) {
    const found = await findWorkflowDefinitions(db, wanted);
    wanted.forEach((key, index) => children.set(keyOf(key.name, key.version), found[index]));
    const level = found.filter((child): child is WorkflowDef => child !== undefined);
    definitions.push(...level);
    wanted = unreadChildrenOf(level, children);
  }
  const taskDefs = await findTaskDefinitions(db, [...new Set(definitions.flatMap(taskDefNamesOf))]);
  return { taskDefs, subWorkflowOf: (name, version) => children.get(keyOf(name, version)) };
}

function unreadChildrenOf(definitions: readonly WorkflowDef[], read: ReadonlyMap<string, unknown>): WorkflowDefinitionKey[] {
  const wanted = new Map<string, WorkflowDefinitionKey>();
  for (const { name, version } of definitions.flatMap(subWorkflowNamesOf)) {
    const key = keyOf(name, version);
    if (!read.has(key)) wanted.set(key, version === undefined ? { name } : { name, version });
  }
  return [...wanted.values()];
}

/**
 * The blueprint a run of `definition` would start with now, or why it cannot
 * start (a child that is not registered, a cycle), at paths prefixed by `at`.
 */
export async function findBlueprint(db: SqlRunner, definition: WorkflowDef, at = ''): Promise<Validated<WorkflowBlueprint>> {
  const tree = await findDefinitionTree(db, definition);
  return buildBlueprint(definition, tree.taskDefs, tree.subWorkflowOf, at);
}
