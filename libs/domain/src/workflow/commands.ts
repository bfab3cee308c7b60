import type { RoutingContext } from '../routing/resolve-domain';
import type { TaskToDomain } from '../routing/task-to-domain';
import type { WorkflowBlueprint } from './definition';
import type { ParentTask, RunTrigger } from './events';
import type { WorkflowStatus } from './state';
import type { WorkflowTimer } from './timers';

/** The outcomes a worker reports in a Conductor TaskResult; IN_PROGRESS says it is still at it. */
export type TaskResultStatus = 'IN_PROGRESS' | 'COMPLETED' | 'FAILED' | 'FAILED_WITH_TERMINAL_ERROR';

/** How a child run ended. */
export type SubWorkflowOutcome = Exclude<WorkflowStatus, 'RUNNING' | 'PAUSED'>;

/** What a command that may schedule a task needs: the new attempt's id, and the presence to route by. */
export interface Scheduling {
  /** Id for the task this command may schedule (the next one, a retry, or a replacement). */
  nextTaskId: string;
  routing: RoutingContext;
  now: number;
}

/** Commands to one workflow run. Time, ids and worker presence come in as data. */
export type WorkflowCommand =
  | {
      /** Start a run and schedule its first task, routed by the presence known at the start. */
      type: 'StartWorkflow';
      data: {
        workflowId: string;
        blueprint: WorkflowBlueprint;
        input: Record<string, unknown>;
        taskToDomain: TaskToDomain;
        correlationId: string | null;
        firstTaskId: string;
        routing: RoutingContext;
        now: number;
        /** Absent: started by a request. */
        startedBy?: RunTrigger | null;
        /** A child run: the parent's SUB_WORKFLOW attempt. */
        parent?: ParentTask | null;
      };
    }
  | {
      /** An HTTP worker polled the task: hold it for that worker. */
      type: 'StartTask';
      data: { taskId: string; workerId: string | null; now: number };
    }
  | {
      type: 'RecordTaskResult';
      data: Scheduling & {
        taskId: string;
        status: TaskResultStatus;
        outputData: Record<string, unknown>;
        reasonForIncompletion: string | null;
        workerId: string | null;
        /** With IN_PROGRESS: the worker's next word comes within this many seconds. */
        callbackAfterSeconds: number | null;
        /**
         * The one domain the publisher may work for (null: the default queues),
         * when its broker user is confined to one; absent when it is not. A
         * result for a task of another domain is refused (NOT_OFFERED).
         */
        confinedTo?: string | null;
      };
    }
  | {
      /** A durable timer of the run came due (a retry delay or a deadline); a stale one decides nothing. */
      type: 'FireTimer';
      data: Scheduling & { timer: WorkflowTimer };
    }
  | {
      /** A child run ended: its parent's SUB_WORKFLOW attempt ends with it. */
      type: 'RecordSubWorkflowResult';
      data: Scheduling & {
        taskId: string;
        subWorkflowId: string;
        status: SubWorkflowOutcome;
        output: Record<string, unknown>;
        reasonForIncompletion: string | null;
      };
    }
  | {
      /** A router carried out a system task it runs itself (a START_WORKFLOW's start, an HTTP call): the attempt ends so. */
      type: 'RecordSystemTaskResult';
      data: Scheduling & {
        taskId: string;
        status: Exclude<TaskResultStatus, 'IN_PROGRESS'>;
        outputData: Record<string, unknown>;
        reasonForIncompletion: string | null;
      };
    }
  | {
      /** Skip a task the run has not reached (Conductor's skiptask): it counts as done, with this input and output. */
      type: 'SkipTask';
      data: Scheduling & { taskReferenceName: string; taskInput: Record<string, unknown>; taskOutput: Record<string, unknown> };
    }
  | {
      /** Run a finished run again from one of its attempts (or from the start), maybe with a new input (Conductor's rerun). */
      type: 'RerunWorkflow';
      data: Scheduling & { fromTaskId: string | null; workflowInput: Record<string, unknown> | null; taskInput: Record<string, unknown> | null };
    }
  | { type: 'TerminateWorkflow'; data: { reason: string; now: number } }
  | { type: 'PauseWorkflow'; data: { now: number } }
  | { type: 'ResumeWorkflow'; data: Scheduling }
  | { type: 'RetryWorkflow'; data: Scheduling }
  | { type: 'RestartWorkflow'; data: Scheduling }
  | {
      /** Replace the run's map; with `reroute`, a task waiting in a queue moves too. */
      type: 'ChangeTaskToDomain';
      data: Scheduling & { taskToDomain: TaskToDomain; reroute: boolean };
    };

export type WorkflowCommandType = WorkflowCommand['type'];
