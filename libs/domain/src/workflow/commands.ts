import type { RoutingContext } from '../routing/resolve-domain';
import type { TaskToDomain } from '../routing/task-to-domain';
import type { WorkflowBlueprint } from './definition';

/** The outcomes a worker reports in a Conductor TaskResult. */
export type TaskResultStatus = 'COMPLETED' | 'FAILED' | 'FAILED_WITH_TERMINAL_ERROR';

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
      };
    }
  | {
      /** An HTTP worker polled the task: hold it for that worker. */
      type: 'StartTask';
      data: { taskId: string; workerId: string | null; now: number };
    }
  | {
      /** The sweeper found the hold expired: give the task up and schedule it again. */
      type: 'TimeOutTask';
      data: { taskId: string; nextTaskId: string; routing: RoutingContext; now: number };
    }
  | {
      type: 'RecordTaskResult';
      data: {
        taskId: string;
        status: TaskResultStatus;
        outputData: Record<string, unknown>;
        reasonForIncompletion: string | null;
        workerId: string | null;
        /** Id for the task this result may schedule (the next one, or a retry). */
        nextTaskId: string;
        routing: RoutingContext;
        now: number;
      };
    };
