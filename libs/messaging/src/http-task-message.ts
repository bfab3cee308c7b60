import type { Options } from 'amqplib';
import { type FieldError, type Validated, invalid, valid } from '@turnout/domain';
import { parseJson, requiredString } from './message-validation';

/**
 * An HTTP attempt for a router to carry out (HTTP_TASKS_QUEUE). Ids only: the
 * router reads the run, so an attempt that ended or was superseded meanwhile
 * is seen as such and makes no call.
 */
export interface HttpTaskMessage {
  workflowInstanceId: string;
  taskId: string;
}

/** The `type` property of an HttpTaskMessage. */
export const HTTP_TASK_MESSAGE_TYPE = 'HttpTask';

export function httpTaskMessageProperties(message: HttpTaskMessage): Options.Publish {
  return { messageId: message.taskId, correlationId: message.workflowInstanceId, type: HTTP_TASK_MESSAGE_TYPE, contentType: 'application/json', persistent: true };
}

export function parseHttpTaskMessage(content: Buffer): Validated<HttpTaskMessage> {
  const json = parseJson(content);
  if (!json.ok) return json;
  const errors: FieldError[] = [];
  const workflowInstanceId = requiredString(json.value, 'workflowInstanceId', errors);
  const taskId = requiredString(json.value, 'taskId', errors);
  return errors.length > 0 ? invalid(errors) : valid({ workflowInstanceId, taskId });
}
