import type { Options } from 'amqplib';
import { type FieldError, type Validated, invalid, valid } from '@turnout/domain';
import { parseJson, requiredString } from './message-validation';

/**
 * The body of a signal on TASKS_SUPERSEDED_EXCHANGE: this attempt will not
 * count (it was cancelled or timed out), so its message, if still in a queue,
 * is not to be run. The relay publishes it in commit order, before the task
 * message of any attempt that replaces it.
 */
export interface TaskSuperseded {
  taskId: string;
  workflowInstanceId: string;
  /** Why, for people, worded as the attempt's reasonForIncompletion ("response timed out", "rerouted: …"). */
  reason: string;
}

/** The `type` property of a TaskSuperseded message. */
export const TASK_SUPERSEDED_TYPE = 'TaskSuperseded';

/**
 * The `type` property of a worker's marker in TASKS_SUPERSEDED_STREAM: a worker
 * publishes one and reads the stream until it comes back, and then knows it
 * has read every signal published before. Readers skip everyone else's.
 */
export const STREAM_MARKER_TYPE = 'turnout.marker';

export function taskSupersededProperties(signal: TaskSuperseded, at: number): Options.Publish {
  return {
    messageId: `${signal.taskId}:superseded`,
    correlationId: signal.workflowInstanceId,
    type: TASK_SUPERSEDED_TYPE,
    contentType: 'application/json',
    persistent: true,
    timestamp: Math.floor(at / 1000),
  };
}

export function parseTaskSuperseded(content: Buffer): Validated<TaskSuperseded> {
  const json = parseJson(content);
  if (!json.ok) return json;
  const errors: FieldError[] = [];
  const taskId = requiredString(json.value, 'taskId', errors);
  const workflowInstanceId = requiredString(json.value, 'workflowInstanceId', errors);
  const reason = typeof json.value.reason === 'string' ? json.value.reason : '';
  return errors.length > 0 ? invalid(errors) : valid({ taskId, workflowInstanceId, reason });
}
