import {
  type EndedWorkflow,
  type ParentTask,
  type SubWorkflowOutcome,
  type TaskRun,
  type WorkflowBlueprint,
  type WorkflowState,
  type WorkflowEventType,
  isOpenTask,
  workflowStatusOf,
} from '@turnout/domain';
import type { StoredEvent } from '@turnout/event-store';

/** A run as read from its stream: its state, and the stored events it was folded from (for their log positions). */
export interface RunView {
  state: WorkflowState;
  events: readonly StoredEvent[];
}

/** What a child run needs to start, all but the ids, presence and time given when it is started. */
export interface ChildStart {
  blueprint: WorkflowBlueprint;
  input: Record<string, unknown>;
  taskToDomain: NonNullable<TaskRun['subWorkflow']>['taskToDomain'];
  correlationId: string | null;
  parent: ParentTask;
}

/** How the child run of a parent's SUB_WORKFLOW task is brought in line with that task. */
export type ChildRunAction =
  | { type: 'Nothing' }
  | { type: 'StartChild'; start: ChildStart }
  /** The child ended while the parent's attempt was open: the attempt ends with it. */
  | { type: 'ReportToParent'; parentTaskId: string; status: SubWorkflowOutcome; output: Record<string, unknown>; reasonForIncompletion: string | null }
  /** A new attempt of the parent's task goes on with the child that ended the last one. */
  | { type: 'RetryChild' }
  | { type: 'RestartChild' }
  /** The parent no longer waits for the child (its attempt was cancelled). */
  | { type: 'TerminateChild'; reason: string };

const NOTHING: ChildRunAction = { type: 'Nothing' };

const END_EVENTS: ReadonlySet<WorkflowEventType> = new Set<WorkflowEventType>(['WorkflowCompleted', 'WorkflowFailed', 'WorkflowTimedOut', 'WorkflowTerminated']);

export function outcomeOf(state: EndedWorkflow): SubWorkflowOutcome {
  const status = workflowStatusOf(state);
  if (status === 'RUNNING' || status === 'PAUSED') throw new Error(`an ended run is ${status}`);
  return status;
}

/** Where in the log the run's last end was appended (the end its current state comes from). */
function lastEndPosition(run: RunView): bigint | null {
  for (let index = run.events.length - 1; index >= 0; index -= 1) {
    if (END_EVENTS.has(run.events[index].type as WorkflowEventType)) return BigInt(run.events[index].globalPosition);
  }
  return null;
}

function scheduledPosition(parent: RunView, taskId: string): bigint | null {
  const scheduled = parent.events.find((stored) => stored.type === 'TaskScheduled' && (stored.data as { taskId?: unknown }).taskId === taskId);
  return scheduled === undefined ? null : BigInt(scheduled.globalPosition);
}

function reportOf(attempt: TaskRun, child: EndedWorkflow): ChildRunAction {
  return {
    type: 'ReportToParent',
    parentTaskId: attempt.taskId,
    status: outcomeOf(child),
    output: child.type === 'Completed' ? child.output : {},
    reasonForIncompletion: child.type === 'Completed' ? null : child.reasonForIncompletion,
  };
}

/** The child could not be started: the parent's attempt fails, as for a child that failed. */
export function notStarted(attempt: TaskRun, why: string): Extract<ChildRunAction, { type: 'ReportToParent' }> {
  return { type: 'ReportToParent', parentTaskId: attempt.taskId, status: 'FAILED', output: {}, reasonForIncompletion: `it could not be started: ${why}` };
}

/**
 * What brings the child run `childId` in line with its parent, decided from
 * both runs as they stand (not from the event that asked), so that deciding
 * again on the same runs finds nothing more to do:
 *
 * - the parent's attempt that names the child is open: start the child if it
 *   does not exist; if it ended after that attempt was scheduled, end the
 *   attempt with it; if it ended before (it ended the attempt this one
 *   retries), retry it (FAILED, TIMED_OUT), restart it (TERMINATED) or report
 *   it at once (COMPLETED); a running or paused child is left to run;
 * - no attempt is open and the latest was cancelled: terminate a child that
 *   still runs.
 *
 * Log positions order the child's end and the attempt's scheduling: each
 * follows from the other having been committed and read, so the later one has
 * the higher position.
 */
export function childRunAction(parentId: string, parent: RunView, childId: string, child: RunView): ChildRunAction {
  if (parent.state.type === 'Empty') return NOTHING;
  const { run } = parent.state;
  const attempts = run.tasks.filter((task) => task.subWorkflow?.workflowId === childId);
  const open = attempts.find(isOpenTask);
  if (open === undefined) {
    const latest = attempts[attempts.length - 1];
    if (latest?.status !== 'CANCELED' || (child.state.type !== 'Running' && child.state.type !== 'Paused')) return NOTHING;
    return {
      type: 'TerminateChild',
      reason: `parent workflow ${parentId} no longer waits for it: its task ${latest.referenceTaskName} (${latest.taskId}) was canceled (${latest.reasonForIncompletion ?? 'no reason given'})`,
    };
  }
  switch (child.state.type) {
    case 'Empty': {
      const task = run.blueprint.tasks[open.taskIndex];
      // Cannot happen with a blueprint the domain froze; said to the parent rather than thrown, which would hold the log here.
      if (task?.kind !== 'SUB_WORKFLOW' || open.subWorkflow === undefined) {
        return notStarted(open, `task ${open.referenceTaskName} is no SUB_WORKFLOW task of the parent's blueprint`);
      }
      return {
        type: 'StartChild',
        start: {
          blueprint: task.blueprint,
          input: open.inputData,
          taskToDomain: open.subWorkflow.taskToDomain,
          correlationId: run.correlationId,
          parent: { workflowId: parentId, taskId: open.taskId },
        },
      };
    }
    case 'Running':
    case 'Paused':
      return NOTHING;
    case 'Completed':
    case 'Failed':
    case 'TimedOut':
    case 'Terminated': {
      const endedAt = lastEndPosition(child);
      const scheduledAt = scheduledPosition(parent, open.taskId);
      if (endedAt === null || scheduledAt === null || endedAt > scheduledAt) return reportOf(open, child.state);
      switch (child.state.type) {
        case 'Completed':
          return reportOf(open, child.state);
        case 'Failed':
        case 'TimedOut':
          return { type: 'RetryChild' };
        case 'Terminated':
          return { type: 'RestartChild' };
        default: {
          const unknownState: never = child.state;
          throw new Error(`unknown ended state ${JSON.stringify(unknownState)}`);
        }
      }
    }
    default: {
      const unknownState: never = child.state;
      throw new Error(`unknown state ${JSON.stringify(unknownState)}`);
    }
  }
}
