import type { RoutingReason } from '../routing/resolve-domain';
import type { TaskToDomain } from '../routing/task-to-domain';
import type { WorkflowBlueprint } from './definition';

/** Events of one workflow run's stream. Past tense; times are epoch ms. */
export type WorkflowEvent =
  | {
      type: 'WorkflowStarted';
      data: {
        workflowId: string;
        blueprint: WorkflowBlueprint;
        input: Record<string, unknown>;
        /** The run's taskToDomain rules, parsed and checked at the edge (each keeps the value as written). */
        taskToDomain: TaskToDomain;
        correlationId: string | null;
        startTime: number;
      };
    }
  | {
      type: 'TaskScheduled';
      data: {
        taskId: string;
        workflowInstanceId: string;
        workflowType: string;
        taskType: string;
        referenceTaskName: string;
        /** Position of the task in the blueprint. */
        taskIndex: number;
        inputData: Record<string, unknown>;
        retryCount: number;
        /** The attempt this one retries, if any. */
        retriedTaskId: string | null;
        domain: string | null;
        queueName: string;
        routing: RoutingReason;
        scheduledTime: number;
      };
    }
  | {
      /** An HTTP worker took the task; it is held for it until responseTimeoutAt. */
      type: 'TaskStarted';
      data: { taskId: string; workerId: string | null; startTime: number; responseTimeoutAt: number };
    }
  | {
      /** No result came within the response timeout. */
      type: 'TaskTimedOut';
      data: { taskId: string; endTime: number };
    }
  | {
      type: 'TaskCompleted';
      data: { taskId: string; outputData: Record<string, unknown>; workerId: string | null; endTime: number };
    }
  | {
      type: 'TaskFailed';
      data: {
        taskId: string;
        outputData: Record<string, unknown>;
        reasonForIncompletion: string | null;
        /** FAILED_WITH_TERMINAL_ERROR: no retry. */
        terminal: boolean;
        workerId: string | null;
        endTime: number;
      };
    }
  | { type: 'WorkflowCompleted'; data: { output: Record<string, unknown>; endTime: number } }
  | { type: 'WorkflowFailed'; data: { reasonForIncompletion: string; failedTaskId: string; endTime: number } };

export type WorkflowEventType = WorkflowEvent['type'];

export type EventOf<T extends WorkflowEventType> = Extract<WorkflowEvent, { type: T }>;

/** The stream that holds one workflow run. */
const WORKFLOW_STREAM_PREFIX = 'workflow-';

export const workflowStreamId = (workflowId: string): string => `${WORKFLOW_STREAM_PREFIX}${workflowId}`;

/** The run a stream belongs to, or null for a stream that is not a workflow's. */
export const workflowIdOfStream = (streamId: string): string | null =>
  streamId.startsWith(WORKFLOW_STREAM_PREFIX) ? streamId.slice(WORKFLOW_STREAM_PREFIX.length) : null;
