import type { TaskResultStatus } from '@turnout/domain';
import { InvalidMessage, type Parsed, isRecord, optionalString, parseJson, requiredString } from './message-validation';

/** A Conductor TaskResult, as workers publish it to TASK_RESULTS_EXCHANGE or POST /api/tasks. */
export interface TaskResult {
  taskId: string;
  workflowInstanceId: string;
  status: TaskResultStatus;
  outputData: Record<string, unknown>;
  reasonForIncompletion: string | null;
  workerId: string | null;
}

export const TASK_RESULT_STATUSES: readonly TaskResultStatus[] = ['COMPLETED', 'FAILED', 'FAILED_WITH_TERMINAL_ERROR'];

export function validateTaskResult(body: Record<string, unknown>): Parsed<TaskResult> {
  try {
    const status = body.status;
    if (typeof status !== 'string' || !(TASK_RESULT_STATUSES as readonly string[]).includes(status)) {
      throw new InvalidMessage(`status: must be one of ${TASK_RESULT_STATUSES.join(', ')}`);
    }
    const outputData = body.outputData ?? {};
    if (!isRecord(outputData)) throw new InvalidMessage('outputData: must be an object');
    return {
      ok: true,
      value: {
        taskId: requiredString(body, 'taskId'),
        workflowInstanceId: requiredString(body, 'workflowInstanceId'),
        status: status as TaskResultStatus,
        outputData,
        reasonForIncompletion: optionalString(body, 'reasonForIncompletion'),
        workerId: optionalString(body, 'workerId'),
      },
    };
  } catch (error) {
    if (error instanceof InvalidMessage) return { ok: false, reason: error.message };
    throw error;
  }
}

export function parseTaskResult(content: Buffer): Parsed<TaskResult> {
  const json = parseJson(content);
  return json.ok ? validateTaskResult(json.value) : json;
}
