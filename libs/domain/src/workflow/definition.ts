import { type FieldError, type Validated, invalid, valid } from '../field-error';
import { isRecord } from '../plain-values';
import { checkName } from '../routing/names';

/** Conductor's defaults for a task definition's retries and response timeout. */
export const DEFAULT_RETRY_COUNT = 3;
export const DEFAULT_RESPONSE_TIMEOUT_SECONDS = 3600;

/** A Conductor task definition (TaskDef); fields Turnout does not use are kept as given. */
export interface TaskDef {
  name: string;
  retryCount?: number;
  responseTimeoutSeconds?: number;
  [field: string]: unknown;
}

/** A task inside a workflow definition (WorkflowTask). Only SIMPLE tasks run, in sequence. */
export interface WorkflowTaskDef {
  name: string;
  taskReferenceName: string;
  type: 'SIMPLE';
  inputParameters: Record<string, unknown>;
  [field: string]: unknown;
}

/** A Conductor workflow definition (WorkflowDef). */
export interface WorkflowDef {
  name: string;
  version: number;
  tasks: WorkflowTaskDef[];
  inputParameters?: string[];
  outputParameters?: Record<string, unknown>;
  [field: string]: unknown;
}

/** What a workflow run needs of its definitions, frozen into WorkflowStarted when it starts. */
export interface WorkflowBlueprint {
  name: string;
  version: number;
  tasks: Array<{
    taskType: string;
    referenceTaskName: string;
    inputParameters: Record<string, unknown>;
    retryCount: number;
    /** How long an HTTP worker may hold the task before it is scheduled again. */
    responseTimeoutSeconds: number;
  }>;
  /** Null: the workflow's output is its last task's output, as in Conductor. */
  outputParameters: Record<string, unknown> | null;
}

function checkRetryCount(field: string, value: unknown): FieldError[] {
  return value === undefined || (Number.isInteger(value) && (value as number) >= 0)
    ? []
    : [{ path: field, message: 'must be a whole number, 0 or more' }];
}

export function validateTaskDefs(raw: unknown): Validated<TaskDef[]> {
  if (!Array.isArray(raw) || raw.length === 0) {
    return invalid([{ path: 'body', message: 'must be a non-empty JSON array of task definitions' }]);
  }
  const errors: FieldError[] = [];
  raw.forEach((def: unknown, index) => {
    const at = `[${index}]`;
    if (!isRecord(def)) {
      errors.push({ path: at, message: 'must be an object' });
      return;
    }
    errors.push(...checkName(`${at}.name`, def.name), ...checkRetryCount(`${at}.retryCount`, def.retryCount));
    if (def.responseTimeoutSeconds !== undefined && !(Number.isInteger(def.responseTimeoutSeconds) && (def.responseTimeoutSeconds as number) > 0)) {
      errors.push({ path: `${at}.responseTimeoutSeconds`, message: 'must be a whole number above 0' });
    }
  });
  return errors.length > 0 ? invalid(errors) : valid(raw as TaskDef[]);
}

export function validateWorkflowDef(raw: unknown, at = ''): Validated<WorkflowDef> {
  const field = (name: string) => (at === '' ? name : `${at}.${name}`);
  if (!isRecord(raw)) return invalid([{ path: at || 'body', message: 'must be a workflow definition object' }]);
  const errors: FieldError[] = [...checkName(field('name'), raw.name)];
  if (raw.version !== undefined && !(Number.isInteger(raw.version) && (raw.version as number) >= 1)) {
    errors.push({ path: field('version'), message: 'must be a whole number, 1 or more' });
  }
  if (raw.outputParameters !== undefined && raw.outputParameters !== null && !isRecord(raw.outputParameters)) {
    errors.push({ path: field('outputParameters'), message: 'must be an object' });
  }
  if (!Array.isArray(raw.tasks) || raw.tasks.length === 0) {
    errors.push({ path: field('tasks'), message: 'must be a non-empty array of tasks' });
    return invalid(errors);
  }
  const references = new Set<string>();
  raw.tasks.forEach((task: unknown, index) => {
    const taskField = field(`tasks[${index}]`);
    if (!isRecord(task)) {
      errors.push({ path: taskField, message: 'must be an object' });
      return;
    }
    errors.push(...checkName(`${taskField}.name`, task.name));
    if (typeof task.taskReferenceName !== 'string' || task.taskReferenceName.trim() === '') {
      errors.push({ path: `${taskField}.taskReferenceName`, message: 'must be a non-empty string' });
    } else if (references.has(task.taskReferenceName)) {
      errors.push({ path: `${taskField}.taskReferenceName`, message: `"${task.taskReferenceName}" is used by an earlier task` });
    } else {
      references.add(task.taskReferenceName);
    }
    if (task.type !== undefined && task.type !== 'SIMPLE') {
      errors.push({ path: `${taskField}.type`, message: `"${String(task.type)}" is not supported: Turnout runs SIMPLE tasks in sequence` });
    }
    if (task.inputParameters !== undefined && !isRecord(task.inputParameters)) {
      errors.push({ path: `${taskField}.inputParameters`, message: 'must be an object' });
    }
  });
  if (errors.length > 0) return invalid(errors);
  return valid({
    ...raw,
    name: raw.name as string,
    version: (raw.version as number | undefined) ?? 1,
    tasks: raw.tasks.map((task: Record<string, unknown>) => ({
      ...task,
      name: task.name as string,
      taskReferenceName: task.taskReferenceName as string,
      type: 'SIMPLE' as const,
      inputParameters: (task.inputParameters as Record<string, unknown> | undefined) ?? {},
    })),
    outputParameters: (raw.outputParameters as Record<string, unknown> | undefined) ?? undefined,
  });
}

/** Freezes a definition and the task definitions it names into what a run needs. */
export function blueprintOf(def: WorkflowDef, taskDefs: ReadonlyMap<string, TaskDef>): WorkflowBlueprint {
  return {
    name: def.name,
    version: def.version,
    tasks: def.tasks.map((task) => ({
      taskType: task.name,
      referenceTaskName: task.taskReferenceName,
      inputParameters: task.inputParameters,
      retryCount: taskDefs.get(task.name)?.retryCount ?? DEFAULT_RETRY_COUNT,
      responseTimeoutSeconds: taskDefs.get(task.name)?.responseTimeoutSeconds ?? DEFAULT_RESPONSE_TIMEOUT_SECONDS,
    })),
    outputParameters:
      def.outputParameters !== undefined && Object.keys(def.outputParameters).length > 0 ? def.outputParameters : null,
  };
}
