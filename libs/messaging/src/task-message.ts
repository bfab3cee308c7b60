import type { Options } from 'amqplib';
import { type EventOf, type FieldError, type Validated, invalid, isRecord, valid } from '@turnout/domain';
import { parseJson, requiredString } from './message-validation';

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

/**
 * A task message as its consumers (the worker SDK, the api's HTTP poll) read it:
 * the fields they rely on are checked, the rest passes as the producer wrote it.
 * A message that fails is dead-lettered with `describeFieldErrors(errors)`.
 */
export function parseTaskMessage(content: Buffer): Validated<TaskMessage> {
  const json = parseJson(content);
  if (!json.ok) return json;
  const body = json.value;
  const errors: FieldError[] = [];
  requiredString(body, 'taskId', errors);
  requiredString(body, 'workflowInstanceId', errors);
  const inputData = body.inputData === undefined ? {} : body.inputData;
  if (!isRecord(inputData)) errors.push({ path: 'inputData', message: 'must be an object' });
  if (errors.length > 0) return invalid(errors);
  return valid({ ...body, inputData } as unknown as TaskMessage);
}
