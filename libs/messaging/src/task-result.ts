import type { Options } from 'amqplib';
import { type FieldError, type TaskResultStatus, type Validated, invalid, isRecord, valid, workerIdProblem } from '@turnout/domain';
import { optionalString, parseJson, requiredString } from './message-validation';

/** A Conductor TaskResult, as workers publish it to TASK_RESULTS_EXCHANGE or POST /api/tasks. */
export interface TaskResult {
  taskId: string;
  workflowInstanceId: string;
  /** IN_PROGRESS: the worker took the task (the first time) or is still at it; the hold is extended. */
  status: TaskResultStatus;
  outputData: Record<string, unknown>;
  reasonForIncompletion: string | null;
  workerId: string | null;
  /** With IN_PROGRESS: the worker's next word comes within this many seconds more than the response timeout. */
  callbackAfterSeconds?: number;
}

export const TASK_RESULT_STATUSES: readonly TaskResultStatus[] = ['IN_PROGRESS', 'COMPLETED', 'FAILED', 'FAILED_WITH_TERMINAL_ERROR'];

const isTaskResultStatus = (value: unknown): value is TaskResultStatus =>
  typeof value === 'string' && (TASK_RESULT_STATUSES as readonly string[]).includes(value);

/** A TaskResult from a parsed body, or every field that is wrong with it (the api's 400 takes them as they are). */
export function validateTaskResult(body: Record<string, unknown>): Validated<TaskResult> {
  const errors: FieldError[] = [];
  const status = isTaskResultStatus(body.status) ? body.status : null;
  if (status === null) errors.push({ path: 'status', message: `must be one of ${TASK_RESULT_STATUSES.join(', ')}` });
  const rawOutputData = body.outputData ?? {};
  const outputData = isRecord(rawOutputData) ? rawOutputData : null;
  if (outputData === null) errors.push({ path: 'outputData', message: 'must be an object' });
  const taskId = requiredString(body, 'taskId', errors);
  const workflowInstanceId = requiredString(body, 'workflowInstanceId', errors);
  const reasonForIncompletion = optionalString(body, 'reasonForIncompletion', errors);
  const givenWorkerId = optionalString(body, 'workerId', errors);
  // Blank names no worker. A worker named becomes a sighting in presence (its table's key), as a heartbeat's does.
  const workerId = givenWorkerId === null || givenWorkerId.trim() === '' ? null : givenWorkerId;
  const workerIdError = workerId === null ? null : workerIdProblem(workerId);
  if (workerIdError !== null) errors.push({ path: 'workerId', message: workerIdError });
  const callbackAfterSeconds = body.callbackAfterSeconds ?? null;
  const callbackIsValid = callbackAfterSeconds === null || (Number.isSafeInteger(callbackAfterSeconds) && (callbackAfterSeconds as number) >= 0);
  if (!callbackIsValid) errors.push({ path: 'callbackAfterSeconds', message: 'must be a whole number, 0 or more' });
  if (status === null || outputData === null || errors.length > 0) return invalid(errors);
  const result: TaskResult = { taskId, workflowInstanceId, status, outputData, reasonForIncompletion, workerId };
  return valid(callbackAfterSeconds === null ? result : { ...result, callbackAfterSeconds: callbackAfterSeconds as number });
}

export function parseTaskResult(content: Buffer): Validated<TaskResult> {
  const json = parseJson(content);
  return json.ok ? validateTaskResult(json.value) : json;
}

/**
 * How a TaskResult is published (worker SDK and the api's HTTP workers alike):
 * persistent, one id per task and kind (its reports of progress, its outcome).
 */
export function taskResultProperties(result: Pick<TaskResult, 'taskId' | 'workflowInstanceId' | 'status'>): Options.Publish {
  return {
    persistent: true,
    contentType: 'application/json',
    messageId: result.status === 'IN_PROGRESS' ? `${result.taskId}:in-progress` : `${result.taskId}:result`,
    correlationId: result.workflowInstanceId,
  };
}
