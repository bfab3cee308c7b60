import { type BlueprintTask, type TaskRun, type WorkflowBlueprint, chosenCaseOf as chosenCaseOfSwitch, iteratedReference } from '@turnout/domain';

/**
 * Where a task sits in its run's control flow (Turnout's field; Conductor's
 * Task says nothing of it): in a branch of a FORK_JOIN (`branch` is its index
 * in `forkTasks`), or in a case of a SWITCH (`decisionCase` null: the
 * `defaultCase`), or in the loopOver of a DO_WHILE (each iteration's attempt
 * says its `iteration`). A task of the workflow's own sequence has none. Nested
 * control flow is the chain of the containers' own placements.
 */
export type TaskPlacement =
  | { type: 'FORK_JOIN'; taskReferenceName: string; branch: number }
  | { type: 'SWITCH'; taskReferenceName: string; decisionCase: string | null }
  | { type: 'DO_WHILE'; taskReferenceName: string };

/** The placement of every task of a blueprint that sits in a branch or a case, by task index. */
export function placementsOf(blueprint: WorkflowBlueprint): Map<number, TaskPlacement> {
  const placements = new Map<number, TaskPlacement>();
  const place = (sequence: readonly number[], placement: TaskPlacement) => {
    for (const taskIndex of sequence) placements.set(taskIndex, placement);
  };
  for (const task of blueprint.tasks) {
    // A sequence holds only the tasks directly in it: a nested fork's tasks are in that fork's branches.
    switch (task.kind) {
      case 'FORK_JOIN':
        task.branches.forEach((branch, index) => place(branch, { type: 'FORK_JOIN', taskReferenceName: task.referenceTaskName, branch: index }));
        break;
      case 'SWITCH':
        for (const [decisionCase, sequence] of Object.entries(task.decisionCases)) {
          place(sequence, { type: 'SWITCH', taskReferenceName: task.referenceTaskName, decisionCase });
        }
        place(task.defaultCase, { type: 'SWITCH', taskReferenceName: task.referenceTaskName, decisionCase: null });
        break;
      case 'DO_WHILE':
        place(task.loopOver, { type: 'DO_WHILE', taskReferenceName: task.referenceTaskName });
        break;
      case undefined:
      case 'SIMPLE':
      case 'INLINE':
      case 'JSON_JQ_TRANSFORM':
      case 'JOIN':
      case 'SUB_WORKFLOW':
      case 'SET_VARIABLE':
      case 'TERMINATE':
      case 'WAIT':
      case 'START_WORKFLOW':
      case 'HTTP':
        // A child's tasks are placed in the child's own run.
        break;
      default: {
        const unknownKind: never = task;
        throw new Error(`unknown task kind ${String((unknownKind as BlueprintTask).kind)}`);
      }
    }
  }
  return placements;
}

/**
 * An attempt's placement: in a loop, a fork or switch of the same iteration
 * holds it (`pick__2`, as that attempt of the container is named); the loop
 * itself keeps its own name.
 */
export function placementOfAttempt(placement: TaskPlacement | undefined, attempt: TaskRun): TaskPlacement | undefined {
  if (placement === undefined || attempt.iteration === undefined || placement.type === 'DO_WHILE') return placement;
  return { ...placement, taskReferenceName: iteratedReference(placement.taskReferenceName, attempt.iteration) };
}

/**
 * The decision case a SWITCH attempt chose (null: its defaultCase), read from
 * the `evaluationResult` of its output as Conductor writes it; undefined for an
 * attempt of another task, or one that has not chosen.
 */
export function chosenCaseOf(blueprint: WorkflowBlueprint, attempt: TaskRun): string | null | undefined {
  const task = blueprint.tasks[attempt.taskIndex];
  if (task?.kind !== 'SWITCH' || attempt.status !== 'COMPLETED') return undefined;
  return chosenCaseOfSwitch(task, attempt);
}
