import { type FieldError, type Validated, describeFieldErrors, invalid, valid } from '../field-error';
import { isRecord } from '../plain-values';
import { checkName } from '../routing/names';
import { type TaskToDomain, parseTaskToDomain } from '../routing/task-to-domain';
import { type WorkflowTaskDef, type WorkflowTaskType, validateWorkflowTasks } from './workflow-task-defs';

// The tasks of a definition, their types and their checks, are in workflow-task-defs.ts.
export {
  type PlacedWorkflowTask,
  type SubWorkflowParam,
  type SubWorkflowReference,
  type WorkflowTaskDef,
  type WorkflowTaskType,
  JAVASCRIPT_EVALUATORS,
  VALUE_PARAM_EVALUATOR,
  WORKFLOW_TASK_TYPES,
  simpleTaskNamesOf,
  subWorkflowNamesOf,
  taskDefNamesOf,
  workflowTasksOf,
} from './workflow-task-defs';

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
  /** Its evaluated input is merged into the run's variables (`${workflow.variables.x}`). */
  | (BlueprintTaskBase & { kind: 'SET_VARIABLE'; taskType: 'SET_VARIABLE' })
  /** Ends the run: inputParameters.terminationStatus (COMPLETED, FAILED, TERMINATED), workflowOutput, terminationReason. */
  | (BlueprintTaskBase & { kind: 'TERMINATE'; taskType: 'TERMINATE' })
  /** Held by Turnout until inputParameters.duration or until passes (a durable timer), or an update ends it. */
  | (BlueprintTaskBase & { kind: 'WAIT'; taskType: 'WAIT' })
  /** Its evaluated input's expression (javascript, or value-param), evaluated in the sandbox: output `{result}`. */
  | (BlueprintTaskBase & { kind: 'INLINE'; taskType: 'INLINE' })
  /** Its evaluated input's queryExpression (jq) over that input: output `{result, resultList}`. */
  | (BlueprintTaskBase & { kind: 'JSON_JQ_TRANSFORM'; taskType: 'JSON_JQ_TRANSFORM' })
  /**
   * Runs `loopOver` once, then again while `loopCondition` (javascript over
   * its input and each loop task's output by reference name) is true. The
   * tasks of iteration n are attempts with `iteration` n and `ref__n` names.
   */
  | (BlueprintTaskBase & { kind: 'DO_WHILE'; taskType: 'DO_WHILE'; loopCondition: string; loopOver: number[] })
  /** Starts another run, not a child (inputParameters.startWorkflow), and completes once it has started: output `{workflowId}`. */
  | (BlueprintTaskBase & { kind: 'START_WORKFLOW'; taskType: 'START_WORKFLOW' })
  /** A call a router makes (inputParameters.http_request); retried by the task definition of its name, when one is registered. */
  | (BlueprintTaskBase & { kind: 'HTTP'; taskType: 'HTTP' } & TaskPolicy)
  | (BlueprintTaskBase & {
      kind: 'SWITCH';
      taskType: 'SWITCH';
      /** Absent: value-param. javascript: the expression's value (over `$`, the evaluated input) names the case. */
      evaluatorType?: 'javascript';
      /** value-param: the input parameter whose value names the case; javascript: the script. */
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

/** The retries and timeouts of a blueprint task: a SIMPLE or HTTP task's definition's, none for another system task. */
export function blueprintPolicyOf(task: BlueprintTask): TaskPolicy {
  return task.kind === undefined || task.kind === 'SIMPLE' || task.kind === 'HTTP' ? policyOf(task) : SYSTEM_TASK_POLICY;
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
  const tasks = validateWorkflowTasks(raw.tasks, field('tasks'));
  if (!tasks.ok) errors.push(...tasks.errors);
  if (!tasks.ok || errors.length > 0) return invalid(errors);
  return valid({
    ...raw,
    name: raw.name as string,
    version: (raw.version as number | undefined) ?? 1,
    tasks: tasks.value,
    outputParameters: (raw.outputParameters as Record<string, unknown> | undefined) ?? undefined,
  });
}

/**
 * The definition of a workflow a SUB_WORKFLOW names: that version, or the
 * latest when `version` is undefined; undefined when none is registered.
 * Definitions it answers were validated when they were registered.
 */
export type SubWorkflowResolver = (name: string, version: number | undefined) => WorkflowDef | undefined;

/**
 * Freezes a definition, the task definitions of its SIMPLE tasks and its
 * children's definitions (recursively, through `subWorkflowOf`) into what a run
 * needs. Refuses, at the path of the SUB_WORKFLOW task, a child that is not
 * registered, a cycle of children, and a child's taskToDomain whose queue names
 * would be too long for the child's task types.
 */
export function buildBlueprint(
  def: WorkflowDef,
  taskDefs: ReadonlyMap<string, TaskDef>,
  subWorkflowOf?: SubWorkflowResolver,
  at = '',
): Validated<WorkflowBlueprint> {
  const errors: FieldError[] = [];
  const blueprint = freeze(def, { taskDefs, subWorkflowOf, errors, field: (path) => (at === '' ? path : `${at}.${path}`) }, [def.name]);
  return errors.length > 0 ? invalid(errors) : valid(blueprint);
}

/** buildBlueprint for a definition known to be runnable (a test's, a run's of old): throws what buildBlueprint would refuse. */
export function blueprintOf(def: WorkflowDef, taskDefs: ReadonlyMap<string, TaskDef>, subWorkflowOf?: SubWorkflowResolver): WorkflowBlueprint {
  const blueprint = buildBlueprint(def, taskDefs, subWorkflowOf);
  if (!blueprint.ok) throw new Error(`no blueprint of workflow ${def.name} v${def.version}: ${describeFieldErrors(blueprint.errors)}`);
  return blueprint.value;
}

interface Freezing {
  taskDefs: ReadonlyMap<string, TaskDef>;
  subWorkflowOf: SubWorkflowResolver | undefined;
  errors: FieldError[];
  /** The path of a field of the definition being frozen, as the client sees it. */
  field: (path: string) => string;
}

/** `ancestors`: the workflows that start this one, outermost first, and this one (a child among them is a cycle). */
function freeze(def: WorkflowDef, freezing: Freezing, ancestors: readonly string[]): WorkflowBlueprint {
  const tasks: BlueprintTask[] = [];
  const sequenceOf = (defs: readonly WorkflowTaskDef[], path: string): number[] => defs.map((task, index) => place(task, `${path}[${index}]`));
  const place = (task: WorkflowTaskDef, path: string): number => {
    const index = tasks.length;
    // Reserved first: a task's index comes before those of its branches' and cases' tasks.
    tasks.push(undefined as unknown as BlueprintTask);
    tasks[index] = blueprintTaskOf(task, path);
    return index;
  };
  const blueprintTaskOf = (task: WorkflowTaskDef, path: string): BlueprintTask => {
    const placed = { referenceTaskName: task.taskReferenceName, inputParameters: task.inputParameters };
    switch (task.type) {
      case 'SIMPLE':
        // No kind: the shape of a task of runs started before Turnout ran system tasks.
        return { taskType: task.name, ...placed, ...policyOf(freezing.taskDefs.get(task.name) ?? {}) };
      case 'FORK_JOIN':
        return { kind: 'FORK_JOIN', taskType: 'FORK', ...placed, branches: (task.forkTasks ?? []).map((branch, index) => sequenceOf(branch, `${path}.forkTasks[${index}]`)) };
      case 'JOIN':
        return { kind: 'JOIN', taskType: 'JOIN', ...placed, joinOn: task.joinOn ?? [] };
      case 'SWITCH':
        return {
          kind: 'SWITCH',
          taskType: 'SWITCH',
          ...placed,
          // Left out for value-param: the shape of runs of old.
          ...(task.evaluatorType === 'javascript' ? { evaluatorType: 'javascript' as const } : {}),
          expression: task.expression ?? '',
          // Entries, not assignments: a case may be called `__proto__`.
          decisionCases: Object.fromEntries(
            Object.entries(task.decisionCases ?? {}).map(([key, cases]) => [key, sequenceOf(cases, `${path}.decisionCases.${key}`)]),
          ),
          defaultCase: sequenceOf(task.defaultCase ?? [], `${path}.defaultCase`),
        };
      case 'SUB_WORKFLOW':
        return { kind: 'SUB_WORKFLOW', taskType: 'SUB_WORKFLOW', ...placed, ...childOf(task, path) };
      case 'SET_VARIABLE':
        return { kind: 'SET_VARIABLE', taskType: 'SET_VARIABLE', ...placed };
      case 'TERMINATE':
        return { kind: 'TERMINATE', taskType: 'TERMINATE', ...placed };
      case 'WAIT':
        return { kind: 'WAIT', taskType: 'WAIT', ...placed };
      case 'INLINE':
        return { kind: 'INLINE', taskType: 'INLINE', ...placed };
      case 'JSON_JQ_TRANSFORM':
        return { kind: 'JSON_JQ_TRANSFORM', taskType: 'JSON_JQ_TRANSFORM', ...placed };
      case 'DO_WHILE':
        return { kind: 'DO_WHILE', taskType: 'DO_WHILE', ...placed, loopCondition: task.loopCondition ?? '', loopOver: sequenceOf(task.loopOver ?? [], `${path}.loopOver`) };
      case 'HTTP':
        // As Conductor: with no task definition of its name, a failed call is not retried.
        return { kind: 'HTTP', taskType: 'HTTP', ...placed, ...policyOf(freezing.taskDefs.get(task.name) ?? { retryCount: 0 }) };
      case 'START_WORKFLOW':
        // The workflow it names is looked up when it runs, as Conductor does: it is no child frozen with this one.
        return { kind: 'START_WORKFLOW', taskType: 'START_WORKFLOW', ...placed };
      default: {
        const unknownType: never = task.type;
        throw new Error(`unknown task type ${String(unknownType)}`);
      }
    }
  };
  const childOf = (task: WorkflowTaskDef, path: string): { blueprint: WorkflowBlueprint; taskToDomain: TaskToDomain | null } => {
    const param = task.subWorkflowParam;
    if (param === undefined) throw new Error(`SUB_WORKFLOW ${task.taskReferenceName} of ${def.name} has no subWorkflowParam: the definition was not validated`);
    if (freezing.subWorkflowOf === undefined) {
      throw new Error(`${def.name} starts sub-workflows (${task.taskReferenceName}): its blueprint needs their definitions (a SubWorkflowResolver)`);
    }
    const refuse = (field: string, message: string) => {
      freezing.errors.push({ path: freezing.field(`${path}.${field}`), message });
      return { blueprint: NO_BLUEPRINT, taskToDomain: null };
    };
    const cycleAt = ancestors.indexOf(param.name);
    if (cycleAt >= 0) {
      const through = ancestors.slice(cycleAt + 1);
      return refuse('subWorkflowParam.name', `${param.name} starts itself${through.length > 0 ? ` through ${through.join(', ')}` : ''}: sub-workflows may not cycle`);
    }
    const child = freezing.subWorkflowOf(param.name, param.version);
    if (child === undefined) {
      return refuse(
        'subWorkflowParam.name',
        param.version === undefined ? `no workflow named ${param.name} is registered` : `no version ${param.version} of workflow ${param.name} is registered`,
      );
    }
    // The child's own problems, said at the task that starts it.
    const childErrors: FieldError[] = [];
    const blueprint = freeze(
      child,
      { ...freezing, errors: childErrors, field: (childPath) => `${child.name} v${child.version} ${childPath}` },
      [...ancestors, child.name],
    );
    if (childErrors.length > 0) return refuse('subWorkflowParam.name', describeFieldErrors(childErrors));
    if (param.taskToDomain === undefined) return { blueprint, taskToDomain: null };
    const taskToDomain = parseTaskToDomain(param.taskToDomain, taskTypesOf(blueprint), freezing.field(`${path}.subWorkflowParam.taskToDomain`));
    if (!taskToDomain.ok) {
      freezing.errors.push(...taskToDomain.errors);
      return { blueprint, taskToDomain: null };
    }
    return { blueprint, taskToDomain: taskToDomain.value };
  };

  const sequence = sequenceOf(def.tasks, 'tasks');
  return {
    name: def.name,
    version: def.version,
    tasks,
    // Left out when it is every task in order: the shape of runs of old, which topSequenceOf reads the same.
    ...(sequence.every((taskIndex, position) => taskIndex === position) && sequence.length === tasks.length ? {} : { sequence }),
    outputParameters:
      def.outputParameters !== undefined && Object.keys(def.outputParameters).length > 0 ? def.outputParameters : null,
    timeoutSeconds: def.timeoutSeconds ?? 0,
    timeoutPolicy: def.timeoutPolicy ?? 'TIME_OUT_WF',
  };
}

/** Stands for a child that could not be frozen, in a blueprint that is refused anyway. */
const NO_BLUEPRINT: WorkflowBlueprint = { name: '', version: 0, tasks: [], outputParameters: null };

/**
 * Every SIMPLE task type of a blueprint, its children's included, once each:
 * the types a taskToDomain given to the run is checked against.
 */
export function taskTypesOf(blueprint: WorkflowBlueprint): string[] {
  const taskTypes = new Set<string>();
  for (const task of blueprint.tasks) {
    switch (task.kind) {
      case undefined:
      case 'SIMPLE':
        taskTypes.add(task.taskType);
        break;
      case 'SUB_WORKFLOW':
        for (const taskType of taskTypesOf(task.blueprint)) taskTypes.add(taskType);
        break;
      case 'FORK_JOIN':
      case 'JOIN':
      case 'SWITCH':
      case 'SET_VARIABLE':
      case 'TERMINATE':
      case 'WAIT':
      case 'INLINE':
      case 'JSON_JQ_TRANSFORM':
      case 'DO_WHILE':
      case 'START_WORKFLOW':
      case 'HTTP':
        break;
      default: {
        const unknownKind: never = task;
        throw new Error(`unknown task kind ${String((unknownKind as BlueprintTask).kind)}`);
      }
    }
  }
  return [...taskTypes];
}
