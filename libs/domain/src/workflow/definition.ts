import { type FieldError, type Validated, invalid, valid } from '../field-error';
import { isRecord } from '../plain-values';
import { checkName } from '../routing/names';
import type { TaskToDomain } from '../routing/task-to-domain';

/** How the delay before a retry grows (Conductor's retryLogic). */
export type RetryLogic = 'FIXED' | 'EXPONENTIAL_BACKOFF' | 'LINEAR_BACKOFF';
export const RETRY_LOGICS: readonly RetryLogic[] = ['FIXED', 'EXPONENTIAL_BACKOFF', 'LINEAR_BACKOFF'];

/** What a task's own timeout (timeoutSeconds) does: retry it, time the run out, or only say so. */
export type TaskTimeoutPolicy = 'RETRY' | 'TIME_OUT_WF' | 'ALERT_ONLY';
export const TASK_TIMEOUT_POLICIES: readonly TaskTimeoutPolicy[] = ['RETRY', 'TIME_OUT_WF', 'ALERT_ONLY'];

/** What a workflow's timeoutSeconds does. */
export type WorkflowTimeoutPolicy = 'TIME_OUT_WF' | 'ALERT_ONLY';
export const WORKFLOW_TIMEOUT_POLICIES: readonly WorkflowTimeoutPolicy[] = ['TIME_OUT_WF', 'ALERT_ONLY'];

/** Conductor's defaults for the fields of a task definition. */
export const DEFAULT_RETRY_COUNT = 3;
export const DEFAULT_RESPONSE_TIMEOUT_SECONDS = 3600;
export const DEFAULT_RETRY_DELAY_SECONDS = 60;
export const DEFAULT_RETRY_LOGIC: RetryLogic = 'FIXED';
export const DEFAULT_BACKOFF_SCALE_FACTOR = 1;
export const DEFAULT_TASK_TIMEOUT_POLICY: TaskTimeoutPolicy = 'TIME_OUT_WF';

/** A Conductor task definition (TaskDef); fields Turnout does not use are kept as given. */
export interface TaskDef {
  name: string;
  retryCount?: number;
  retryLogic?: RetryLogic;
  retryDelaySeconds?: number;
  backoffScaleFactor?: number;
  /** A task no worker takes within this many seconds is TIMED_OUT and retried (0 or absent: no limit). */
  pollTimeoutSeconds?: number;
  responseTimeoutSeconds?: number;
  /** Counted from the first time a worker takes the task (0 or absent: no limit). */
  timeoutSeconds?: number;
  timeoutPolicy?: TaskTimeoutPolicy;
  [field: string]: unknown;
}

/**
 * Conductor's workflow task types Turnout runs. SIMPLE tasks are polled by
 * workers and routed to a domain; the others are system tasks that Turnout
 * runs itself, get no domain and are never in a queue.
 */
export type WorkflowTaskType = 'SIMPLE' | 'SUB_WORKFLOW' | 'FORK_JOIN' | 'JOIN' | 'SWITCH';
export const WORKFLOW_TASK_TYPES: readonly WorkflowTaskType[] = ['SIMPLE', 'SUB_WORKFLOW', 'FORK_JOIN', 'JOIN', 'SWITCH'];

/** SUB_WORKFLOW's subWorkflowParam: which workflow the child runs, and its own map (replacing the parent's, whole). */
export interface SubWorkflowParam {
  name: string;
  /** Absent: the latest version when the parent starts. */
  version?: number;
  taskToDomain?: Record<string, string>;
  [field: string]: unknown;
}

/** A task inside a workflow definition (Conductor's WorkflowTask). Fields Turnout does not use are kept as given. */
export interface WorkflowTaskDef {
  name: string;
  taskReferenceName: string;
  type: WorkflowTaskType;
  inputParameters: Record<string, unknown>;
  /** FORK_JOIN: the branches, run in parallel, each a sequence of tasks. */
  forkTasks?: WorkflowTaskDef[][];
  /** JOIN: the reference names it waits for. */
  joinOn?: string[];
  /** SWITCH: `value-param` (the case is the input parameter named by `expression`). */
  evaluatorType?: string;
  expression?: string;
  decisionCases?: Record<string, WorkflowTaskDef[]>;
  defaultCase?: WorkflowTaskDef[];
  subWorkflowParam?: SubWorkflowParam;
  [field: string]: unknown;
}

/** A Conductor workflow definition (WorkflowDef). */
export interface WorkflowDef {
  name: string;
  version: number;
  tasks: WorkflowTaskDef[];
  inputParameters?: string[];
  outputParameters?: Record<string, unknown>;
  /** The run's own limit, counted from its start (0 or absent: none). */
  timeoutSeconds?: number;
  timeoutPolicy?: WorkflowTimeoutPolicy;
  [field: string]: unknown;
}

/** What a run needs of one task's definition: its retries and timeouts. */
export interface TaskPolicy {
  retryCount: number;
  retryLogic: RetryLogic;
  retryDelaySeconds: number;
  backoffScaleFactor: number;
  /** 0: none. */
  pollTimeoutSeconds: number;
  /** How long a worker may hold the task without a word before it is scheduled again. */
  responseTimeoutSeconds: number;
  /** 0: none. */
  timeoutSeconds: number;
  timeoutPolicy: TaskTimeoutPolicy;
}

/** What every task of a blueprint has: where it sits and what it is given. */
interface BlueprintTaskBase {
  referenceTaskName: string;
  inputParameters: Record<string, unknown>;
}

/** A task for workers: routed to a domain when scheduled, with its definition's retries and timeouts. */
export type SimpleBlueprintTask = BlueprintTaskBase & {
  /** Absent in runs started before Turnout ran system tasks. */
  kind?: 'SIMPLE';
  taskType: string;
} & Pick<TaskPolicy, 'retryCount' | 'responseTimeoutSeconds'> &
  // Absent in runs started before Turnout honoured them: policyOf gives Conductor's defaults.
  Partial<TaskPolicy>;

/**
 * A blueprint's tasks are one flat list (a task's `taskIndex` is its position
 * in it); control flow refers to positions: a sequence is a list of indices.
 */
export type BlueprintTask =
  | SimpleBlueprintTask
  | (BlueprintTaskBase & {
      kind: 'FORK_JOIN';
      taskType: 'FORK';
      /** Each branch, a sequence of task indices. */
      branches: number[][];
    })
  | (BlueprintTaskBase & { kind: 'JOIN'; taskType: 'JOIN'; joinOn: string[] })
  | (BlueprintTaskBase & {
      kind: 'SWITCH';
      taskType: 'SWITCH';
      /** value-param: the input parameter whose value names the case. */
      expression: string;
      decisionCases: Record<string, number[]>;
      defaultCase: number[];
    })
  | (BlueprintTaskBase & {
      kind: 'SUB_WORKFLOW';
      taskType: 'SUB_WORKFLOW';
      /** The child's blueprint, frozen with the parent's. */
      blueprint: WorkflowBlueprint;
      /** subWorkflowParam.taskToDomain, parsed: the child's whole map. Null: the child gets the parent's map. */
      taskToDomain: TaskToDomain | null;
    });

/** The system task kinds (run by Turnout, never polled). */
export type SystemTaskKind = Exclude<WorkflowTaskType, 'SIMPLE'>;

/** What a workflow run needs of its definitions, frozen into WorkflowStarted when it starts. */
export interface WorkflowBlueprint {
  name: string;
  version: number;
  tasks: BlueprintTask[];
  /** The top-level sequence (task indices). Absent in runs of old: every task, in order. */
  sequence?: number[];
  /** Null: the workflow's output is its last task's output, as in Conductor. */
  outputParameters: Record<string, unknown> | null;
  /** 0 or absent: the run has no time limit. */
  timeoutSeconds?: number;
  timeoutPolicy?: WorkflowTimeoutPolicy;
}

/** The kind of a blueprint task (SIMPLE for tasks of runs of old). */
export const kindOf = (task: BlueprintTask): WorkflowTaskType => task.kind ?? 'SIMPLE';

/** The top-level sequence of a blueprint. */
export const topSequenceOf = (blueprint: WorkflowBlueprint): number[] => blueprint.sequence ?? blueprint.tasks.map((_task, index) => index);

/** System tasks never retry and have no timeouts of their own: their outcome is Turnout's or a child run's. */
const SYSTEM_TASK_POLICY: TaskPolicy = {
  retryCount: 0,
  retryLogic: 'FIXED',
  retryDelaySeconds: 0,
  backoffScaleFactor: 1,
  pollTimeoutSeconds: 0,
  responseTimeoutSeconds: 0,
  timeoutSeconds: 0,
  timeoutPolicy: 'RETRY',
};

/** The retries and timeouts of a blueprint task: a SIMPLE task's definition's, none for a system task. */
export function blueprintPolicyOf(task: BlueprintTask): TaskPolicy {
  return task.kind === undefined || task.kind === 'SIMPLE' ? policyOf(task) : SYSTEM_TASK_POLICY;
}

/** The retries and timeouts of a blueprint's task, with Conductor's defaults where it says nothing. */
export function policyOf(task: Partial<TaskPolicy>): TaskPolicy {
  return {
    retryCount: task.retryCount ?? DEFAULT_RETRY_COUNT,
    retryLogic: task.retryLogic ?? DEFAULT_RETRY_LOGIC,
    retryDelaySeconds: task.retryDelaySeconds ?? DEFAULT_RETRY_DELAY_SECONDS,
    backoffScaleFactor: task.backoffScaleFactor ?? DEFAULT_BACKOFF_SCALE_FACTOR,
    pollTimeoutSeconds: task.pollTimeoutSeconds ?? 0,
    responseTimeoutSeconds: task.responseTimeoutSeconds ?? DEFAULT_RESPONSE_TIMEOUT_SECONDS,
    timeoutSeconds: task.timeoutSeconds ?? 0,
    timeoutPolicy: task.timeoutPolicy ?? DEFAULT_TASK_TIMEOUT_POLICY,
  };
}

/**
 * Seconds before the retry of an attempt that was retry number `retryCount`
 * (0 for the first attempt), as Conductor computes them: FIXED waits
 * retryDelaySeconds; LINEAR_BACKOFF retryDelaySeconds × backoffScaleFactor ×
 * (retryCount + 1); EXPONENTIAL_BACKOFF retryDelaySeconds × 2^retryCount.
 */
export function retryDelaySeconds(policy: TaskPolicy, retryCount: number): number {
  switch (policy.retryLogic) {
    case 'FIXED':
      return policy.retryDelaySeconds;
    case 'LINEAR_BACKOFF':
      return policy.retryDelaySeconds * policy.backoffScaleFactor * (retryCount + 1);
    case 'EXPONENTIAL_BACKOFF':
      return policy.retryDelaySeconds * 2 ** retryCount;
    default: {
      const unknownLogic: never = policy.retryLogic;
      throw new Error(`unknown retryLogic ${String(unknownLogic)}`);
    }
  }
}

function checkWholeNumber(field: string, value: unknown, least: number): FieldError[] {
  return value === undefined || (Number.isInteger(value) && (value as number) >= least)
    ? []
    : [{ path: field, message: least === 0 ? 'must be a whole number, 0 or more' : `must be a whole number, ${least} or more` }];
}

function checkOneOf(field: string, value: unknown, allowed: readonly string[]): FieldError[] {
  return value === undefined || (typeof value === 'string' && allowed.includes(value))
    ? []
    : [{ path: field, message: `must be one of ${allowed.join(', ')}` }];
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
    errors.push(
      ...checkName(`${at}.name`, def.name),
      ...checkWholeNumber(`${at}.retryCount`, def.retryCount, 0),
      ...checkOneOf(`${at}.retryLogic`, def.retryLogic, RETRY_LOGICS),
      ...checkWholeNumber(`${at}.retryDelaySeconds`, def.retryDelaySeconds, 0),
      ...checkWholeNumber(`${at}.backoffScaleFactor`, def.backoffScaleFactor, 1),
      ...checkWholeNumber(`${at}.pollTimeoutSeconds`, def.pollTimeoutSeconds, 0),
      ...checkWholeNumber(`${at}.timeoutSeconds`, def.timeoutSeconds, 0),
      ...checkOneOf(`${at}.timeoutPolicy`, def.timeoutPolicy, TASK_TIMEOUT_POLICIES),
    );
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
  errors.push(
    ...checkWholeNumber(field('timeoutSeconds'), raw.timeoutSeconds, 0),
    ...checkOneOf(field('timeoutPolicy'), raw.timeoutPolicy, WORKFLOW_TIMEOUT_POLICIES),
  );
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
      ...policyOf(taskDefs.get(task.name) ?? {}),
    })),
    outputParameters:
      def.outputParameters !== undefined && Object.keys(def.outputParameters).length > 0 ? def.outputParameters : null,
    timeoutSeconds: def.timeoutSeconds ?? 0,
    timeoutPolicy: def.timeoutPolicy ?? 'TIME_OUT_WF',
  };
}
