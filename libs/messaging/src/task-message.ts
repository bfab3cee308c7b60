import type { Options } from 'amqplib';
import type { EventOf } from '@turnout/domain';

/** The body of a task message in `<taskType>` / `<taskType>@<domain>` (the AMQP contract). */
export interface TaskMessage {
  taskId: string;
  taskType: string;
  referenceTaskName: string;
  workflowInstanceId: string;
  workflowType: string;
  domain: string | null;
  inputData: Record<string, unknown>;
  retryCount: number;
  /** Epoch ms. */
  scheduledTime: number;
}

export function taskMessageOf(scheduled: EventOf<'TaskScheduled'>['data']): TaskMessage {
  return {
    taskId: scheduled.taskId,
    taskType: scheduled.taskType,
    referenceTaskName: scheduled.referenceTaskName,
    workflowInstanceId: scheduled.workflowInstanceId,
    workflowType: scheduled.workflowType,
    domain: scheduled.domain,
    inputData: scheduled.inputData,
    retryCount: scheduled.retryCount,
    scheduledTime: scheduled.scheduledTime,
  };
}

export function taskMessageProperties(task: TaskMessage): Options.Publish {
  return {
    messageId: task.taskId,
    correlationId: task.workflowInstanceId,
    type: task.taskType,
    contentType: 'application/json',
    persistent: true,
    timestamp: Math.floor(task.scheduledTime / 1000),
  };
}
