import type { RoutingContext } from '../routing/resolve-domain';
import type { TaskToDomain } from '../routing/task-to-domain';
import type { WorkflowBlueprint } from './definition';

/** The outcomes a worker reports in a Conductor TaskResult. */
export type TaskResultStatus = 'COMPLETED' | 'FAILED' | 'FAILED_WITH_TERMINAL_ERROR';

/** Commands to one workflow run. Time, ids and worker presence come in as data. */
export type WorkflowCommand =
  | {
      type: 'StartWorkflow';
      data: {
        workflowId: string;
        blueprint: WorkflowBlueprint;
        input: Record<string, unknown>;
        taskToDomain: TaskToDomain;
        correlationId: string | null;
        now: number;
      };
    }
  | {
      /** Schedule the first task of a run that has none yet. */
      type: 'ScheduleFirstTask';
      data: { taskId: string; routing: RoutingContext; now: number };
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
