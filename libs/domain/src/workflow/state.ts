import type { TaskToDomain } from '../routing/task-to-domain';
import type { WorkflowBlueprint } from './definition';
import type { EventOf, ParentTask, RunTrigger, TaskTimeoutKind } from './events';

/** Conductor's task statuses. */
export type TaskStatus = 'SCHEDULED' | 'IN_PROGRESS' | 'COMPLETED' | 'FAILED' | 'FAILED_WITH_TERMINAL_ERROR' | 'TIMED_OUT' | 'CANCELED' | 'SKIPPED';

/**
 * System tasks Turnout holds IN_PROGRESS from the moment they are scheduled: a JOIN waiting, a child running, a WAIT, a loop,
 * and those a router carries out outside the decider (a START_WORKFLOW's start, an HTTP call).
 */
export const isHeldFromTheStart = (kind: string | undefined): boolean =>
  kind === 'JOIN' || kind === 'SUB_WORKFLOW' || kind === 'WAIT' || kind === 'DO_WHILE' || (kind !== undefined && isRunByTheRouter(kind));

/** System tasks a router carries out after the decision that scheduled them (a start, a call), then reports with RecordSystemTaskResult. */
export const isRunByTheRouter = (kind: string): boolean => kind === 'START_WORKFLOW' || kind === 'HTTP';

/** Done as far as the run goes on: completed, or skipped by an operator. */
export const isDoneTask = (task: { status: TaskStatus }): boolean => task.status === 'COMPLETED' || task.status === 'SKIPPED';

/** One attempt of one task: what TaskScheduled said of it, and how far it has come since. */
export interface TaskRun extends Omit<EventOf<'TaskScheduled'>['data'], 'workflowInstanceId' | 'workflowType' | 'pollTimeoutAt'> {
  status: TaskStatus;
  /** Times a worker took it. */
  pollCount: number;
  startTime: number | null;
  /** Deadlines: not taken by then, no word by then, not done by then (null: none). */
  pollTimeoutAt: number | null;
  responseTimeoutAt: number | null;
  timeoutAt: number | null;
  /** Which deadline it missed, when TIMED_OUT. */
  timedOut: TaskTimeoutKind | null;
  /** Its timeoutSeconds passed under ALERT_ONLY (said once). */
  timeoutAlerted: boolean;
  outputData: Record<string, unknown>;
  reasonForIncompletion: string | null;
  workerId: string | null;
  endTime: number | null;
}

/** A retry waiting for its delay to pass. */
export type PendingRetry = EventOf<'TaskRetryDelayed'>['data'];

export interface WorkflowRun {
  workflowId: string;
  blueprint: WorkflowBlueprint;
  input: Record<string, unknown>;
  /** The rules routing reads, parsed once at the edge. */
  taskToDomain: TaskToDomain;
  /** Every map the run had before its current one, oldest first, with when it was replaced. */
  taskToDomainHistory: Array<{ taskToDomain: TaskToDomain; replacedAt: number }>;
  correlationId: string | null;
  /** The event handler and message that started the run; null: a request did. */
  startedBy: RunTrigger | null;
  /** A child run's parent; null: a run of its own. */
  parent: ParentTask | null;
  startTime: number;
  /** When the run times out (null: never). */
  timeoutAt: number | null;
  /** Its timeout passed under ALERT_ONLY (said once). */
  timeoutAlerted: boolean;
  /** Every attempt since the run (re)started, in scheduling order. */
  tasks: TaskRun[];
  /** Ids of the attempts from before a restart: a late word of theirs changes nothing (it is no unknown task). */
  taskIdsBeforeRestart: string[];
  /** What SET_VARIABLE tasks set, merged in order (`${workflow.variables.x}`). */
  variables: Record<string, unknown>;
  /** Retries waiting for their delay (one per failed attempt; branches fail on their own). */
  pendingRetries: PendingRetry[];
}

/** How a run ended, beside its run. */
interface Ended {
  run: WorkflowRun;
  reasonForIncompletion: string;
  endTime: number;
}

export type WorkflowState =
  | { type: 'Empty' }
  | { type: 'Running'; run: WorkflowRun }
  | { type: 'Paused'; run: WorkflowRun; pausedAt: number }
  | { type: 'Completed'; run: WorkflowRun; output: Record<string, unknown>; endTime: number }
  | ({ type: 'Failed' } & Ended)
  | ({ type: 'TimedOut' } & Ended)
  | ({ type: 'Terminated' } & Ended);

/** A run that has started (any state but Empty). */
export type StartedWorkflow = Exclude<WorkflowState, { type: 'Empty' }>;

/** Ended runs: nothing of theirs runs any more. */
export type EndedWorkflow = Extract<WorkflowState, { type: 'Completed' | 'Failed' | 'TimedOut' | 'Terminated' }>;

export const isEnded = (state: WorkflowState): state is EndedWorkflow =>
  state.type === 'Completed' || state.type === 'Failed' || state.type === 'TimedOut' || state.type === 'Terminated';

/** Waiting in its queue, or held by a worker (or by Turnout: a JOIN waiting, a child running): a result still counts. */
export const isOpenTask = (task: TaskRun): boolean => task.status === 'SCHEDULED' || task.status === 'IN_PROGRESS';

/** Conductor's workflow statuses. */
export type WorkflowStatus = 'RUNNING' | 'PAUSED' | 'COMPLETED' | 'FAILED' | 'TIMED_OUT' | 'TERMINATED';

export function workflowStatusOf(state: StartedWorkflow): WorkflowStatus {
  switch (state.type) {
    case 'Running':
      return 'RUNNING';
    case 'Paused':
      return 'PAUSED';
    case 'Completed':
      return 'COMPLETED';
    case 'Failed':
      return 'FAILED';
    case 'TimedOut':
      return 'TIMED_OUT';
    case 'Terminated':
      return 'TERMINATED';
    default: {
      const unknownState: never = state;
      throw new Error(`unknown state ${JSON.stringify(unknownState)}`);
    }
  }
}

export const initialState = (): WorkflowState => ({ type: 'Empty' });
