import type { RoutingReason } from '../routing/resolve-domain';
import type { TaskToDomain } from '../routing/task-to-domain';
import type { SystemTaskKind, WorkflowBlueprint } from './definition';
import type { HttpRequest } from './http-task';
import type { StartWorkflowRequest } from './start-workflow-task';

/** A child run's parent: the run and its SUB_WORKFLOW attempt that started the child. */
export interface ParentTask {
  workflowId: string;
  taskId: string;
}

/** What started a run other than a StartWorkflowRequest: an event handler, on a message of its queue. */
export interface RunTrigger {
  eventHandler: string;
  /** The handler's event, as registered (`amqp_queue:<queue>`). */
  event: string;
  /** The message's AMQP messageId, when it had one. */
  messageId: string | null;
}

/** Which deadline a task missed: not taken in time, no word from its worker, or not done in time. */
export type TaskTimeoutKind = 'POLL' | 'RESPONSE' | 'TASK';

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
        /** When the run times out (the workflow's timeoutSeconds); null or absent: never. */
        timeoutAt?: number | null;
        /** Null or absent: started by a request. */
        startedBy?: RunTrigger | null;
        /** A child run's parent; null or absent: a run of its own. */
        parent?: ParentTask | null;
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
        /** The attempt this one retries or replaces, if any. */
        retriedTaskId: string | null;
        domain: string | null;
        queueName: string;
        routing: RoutingReason;
        scheduledTime: number;
        /** When it times out if no worker has taken it (pollTimeoutSeconds); null or absent: never. */
        pollTimeoutAt?: number | null;
        /** A system task (run by Turnout, never in a queue: domain null, queueName ''); absent: SIMPLE. */
        kind?: SystemTaskKind;
        /** WAIT: when it completes by itself (its duration or until); null or absent: only an update ends it. */
        waitUntil?: number | null;
        /** SUB_WORKFLOW: the child run (its id, kept by a retry of the attempt) and the map it starts with. */
        subWorkflow?: { workflowId: string; taskToDomain: TaskToDomain };
        /** A task of a DO_WHILE's loopOver: the iteration (from 1) it belongs to; its referenceTaskName is `<ref>__<iteration>`. */
        iteration?: number;
        /** START_WORKFLOW: the run it starts (its map as written: the request's, else this run's), started with the attempt's id. */
        startWorkflow?: StartWorkflowRequest;
        /** HTTP: the call a router makes for this attempt (the relay puts the attempt in HTTP_TASKS_QUEUE). */
        http?: HttpRequest;
      };
    }
  | {
      /** A failed attempt is retried once its delay (retryLogic, retryDelaySeconds) has passed: routed then. */
      type: 'TaskRetryDelayed';
      data: { taskIndex: number; retryCount: number; retriedTaskId: string; dueAt: number };
    }
  | {
      /** A worker took the task (an HTTP poll, or an AMQP worker's IN_PROGRESS); it is held until responseTimeoutAt. */
      type: 'TaskStarted';
      data: {
        taskId: string;
        workerId: string | null;
        startTime: number;
        responseTimeoutAt: number;
        /** When the task times out however often its worker reports (timeoutSeconds); null or absent: never. */
        timeoutAt?: number | null;
      };
    }
  | {
      /** The worker said it is still at it (IN_PROGRESS, maybe with callbackAfterSeconds): the hold runs to responseTimeoutAt. */
      type: 'TaskProgressed';
      data: { taskId: string; workerId: string | null; outputData: Record<string, unknown>; responseTimeoutAt: number; at: number };
    }
  | {
      /** A deadline passed: `timeout` says which (absent in runs of old: a response timeout). */
      type: 'TaskTimedOut';
      data: { taskId: string; endTime: number; timeout?: TaskTimeoutKind };
    }
  | {
      /** The task's timeoutSeconds passed under ALERT_ONLY: said once, the task goes on. */
      type: 'TaskTimeoutAlerted';
      data: { taskId: string; at: number };
    }
  | {
      /** The attempt will not run: the run was terminated or timed out, or the attempt was moved (reroute). */
      type: 'TaskCanceled';
      data: { taskId: string; reason: string; endTime: number };
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
  // A child run's end names its parent, so that the parent hears of it without reading the child.
  | { type: 'WorkflowCompleted'; data: { output: Record<string, unknown>; endTime: number; parent?: ParentTask } }
  | { type: 'WorkflowFailed'; data: { reasonForIncompletion: string; failedTaskId: string; endTime: number; parent?: ParentTask } }
  | { type: 'WorkflowTimedOut'; data: { reasonForIncompletion: string; endTime: number; parent?: ParentTask } }
  | { type: 'WorkflowTimeoutAlerted'; data: { at: number } }
  | { type: 'WorkflowTerminated'; data: { reasonForIncompletion: string; endTime: number; parent?: ParentTask } }
  | { type: 'WorkflowPaused'; data: { at: number } }
  | { type: 'WorkflowResumed'; data: { at: number } }
  | {
      /** A FAILED or TIMED_OUT run goes on from the task that ended it (routed afresh). */
      type: 'WorkflowRetried';
      data: { at: number; timeoutAt: number | null };
    }
  | {
      /** A finished run starts over from its first task, with the same input and map. */
      type: 'WorkflowRestarted';
      data: { startTime: number; timeoutAt: number | null };
    }
  | {
      /** An operator skipped a task not reached yet: the run goes on past it, with this as its input and output. */
      type: 'TaskSkipped';
      data: {
        taskId: string;
        taskType: string;
        referenceTaskName: string;
        taskIndex: number;
        inputData: Record<string, unknown>;
        outputData: Record<string, unknown>;
        at: number;
      };
    }
  | {
      /**
       * A finished run runs again: from the attempt `fromTaskId` (it and every
       * attempt scheduled after it are dropped), or from the start when null;
       * with a new input when one is given.
       */
      type: 'WorkflowRerun';
      data: { fromTaskId: string | null; workflowInput: Record<string, unknown> | null; at: number; timeoutAt: number | null };
    }
  | {
      /** The map for every task scheduled from now on. */
      type: 'TaskToDomainChanged';
      data: { taskToDomain: TaskToDomain; at: number };
    };

export type WorkflowEventType = WorkflowEvent['type'];

export type EventOf<T extends WorkflowEventType> = Extract<WorkflowEvent, { type: T }>;

/** The stream that holds one workflow run. */
const WORKFLOW_STREAM_PREFIX = 'workflow-';

export const workflowStreamId = (workflowId: string): string => `${WORKFLOW_STREAM_PREFIX}${workflowId}`;

/** The run a stream belongs to, or null for a stream that is not a workflow's. */
export const workflowIdOfStream = (streamId: string): string | null =>
  streamId.startsWith(WORKFLOW_STREAM_PREFIX) ? streamId.slice(WORKFLOW_STREAM_PREFIX.length) : null;
