import type { RoutingReason } from '../routing/resolve-domain';
import type { TaskToDomain } from '../routing/task-to-domain';
import type { WorkflowBlueprint } from './definition';

/** Conductor's task statuses that Turnout produces. */
export type TaskStatus = 'SCHEDULED' | 'IN_PROGRESS' | 'COMPLETED' | 'FAILED' | 'FAILED_WITH_TERMINAL_ERROR' | 'TIMED_OUT';

/** One attempt of one task. */
export interface TaskRun {
  taskId: string;
  taskType: string;
  referenceTaskName: string;
  taskIndex: number;
  inputData: Record<string, unknown>;
  retryCount: number;
  retriedTaskId: string | null;
  domain: string | null;
  queueName: string;
  routing: RoutingReason;
  scheduledTime: number;
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
