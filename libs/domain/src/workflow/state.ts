import type { TaskToDomain } from '../routing/task-to-domain';
import type { WorkflowBlueprint } from './definition';
import type { EventOf } from './events';

/** Conductor's task statuses that Turnout produces. */
export type TaskStatus = 'SCHEDULED' | 'IN_PROGRESS' | 'COMPLETED' | 'FAILED' | 'FAILED_WITH_TERMINAL_ERROR' | 'TIMED_OUT';

/** One attempt of one task: what TaskScheduled said of it, and how far it has come since. */
export interface TaskRun extends Omit<EventOf<'TaskScheduled'>['data'], 'workflowInstanceId' | 'workflowType'> {
  status: TaskStatus;
  /** Times an HTTP worker took it. */
  pollCount: number;
  startTime: number | null;
  responseTimeoutAt: number | null;
  outputData: Record<string, unknown>;
  reasonForIncompletion: string | null;
  workerId: string | null;
  endTime: number | null;
}

export interface WorkflowRun {
  workflowId: string;
  blueprint: WorkflowBlueprint;
  input: Record<string, unknown>;
  /** The rules routing reads, parsed once when the run was started. */
  taskToDomain: TaskToDomain;
  correlationId: string | null;
  startTime: number;
  /** Every attempt, in scheduling order. */
  tasks: TaskRun[];
}

export type WorkflowState =
  | { type: 'Empty' }
  | { type: 'Running'; run: WorkflowRun }
  | { type: 'Completed'; run: WorkflowRun; output: Record<string, unknown>; endTime: number }
  | { type: 'Failed'; run: WorkflowRun; reasonForIncompletion: string; endTime: number };

export const initialState = (): WorkflowState => ({ type: 'Empty' });
