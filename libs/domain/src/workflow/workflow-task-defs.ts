import { type FieldError, type Validated, invalid, valid } from '../field-error';
import { isRecord } from '../plain-values';
import { checkName } from '../routing/names';
import { parseTaskToDomain } from '../routing/task-to-domain';
import { checkHttpTaskDef } from './http-task';
import { checkStartWorkflowDef } from './start-workflow-task';

/**
 * Conductor's workflow task types Turnout runs. SIMPLE tasks are polled by
 * workers and routed to a domain; the others are system tasks that Turnout
 * runs itself, get no domain and are never in a queue.
 */
export type WorkflowTaskType =
  | 'SIMPLE'
  | 'SUB_WORKFLOW'
  | 'FORK_JOIN'
  | 'JOIN'
  | 'SWITCH'
  | 'SET_VARIABLE'
  | 'TERMINATE'
  | 'WAIT'
  | 'INLINE'
  | 'JSON_JQ_TRANSFORM'
  | 'DO_WHILE'
  | 'START_WORKFLOW'
  | 'HTTP';
export const WORKFLOW_TASK_TYPES: readonly WorkflowTaskType[] = [
  'SIMPLE',
  'SUB_WORKFLOW',
  'FORK_JOIN',
  'JOIN',
  'SWITCH',
  'SET_VARIABLE',
  'TERMINATE',
  'WAIT',
  'INLINE',
  'JSON_JQ_TRANSFORM',
  'DO_WHILE',
  'START_WORKFLOW',
  'HTTP',
];

/** How a TERMINATE task ends its run. */
export type TerminationStatus = 'COMPLETED' | 'FAILED' | 'TERMINATED';
export const TERMINATION_STATUSES: readonly TerminationStatus[] = ['COMPLETED', 'FAILED', 'TERMINATED'];

/** SWITCH's (and INLINE's) plain evaluator: the case is the value of the input parameter that `expression` names. */
export const VALUE_PARAM_EVALUATOR = 'value-param';

/** The evaluatorType names of a JavaScript expression (Conductor's `graaljs` is the same language), run in the sandbox. */
export const JAVASCRIPT_EVALUATORS: readonly string[] = ['javascript', 'graaljs'];
const isJavascriptEvaluator = (evaluatorType: unknown): boolean => JAVASCRIPT_EVALUATORS.includes(evaluatorType as string);

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
  /** JOIN: the reference names it waits for (none: it completes once reached, as Conductor's does). */
  joinOn?: string[];
  /** SWITCH: `value-param` (the case is the input parameter named by `expression`) or `javascript` (the case is the expression's value). */
  evaluatorType?: string;
  expression?: string;
  decisionCases?: Record<string, WorkflowTaskDef[]>;
  defaultCase?: WorkflowTaskDef[];
  subWorkflowParam?: SubWorkflowParam;
  /** DO_WHILE: a JavaScript condition over `$`, evaluated after each iteration; true runs another. */
  loopCondition?: string;
  /** DO_WHILE: the tasks of one iteration. */
  loopOver?: WorkflowTaskDef[];
  [field: string]: unknown;
}

/** A task of a definition and where it sits, e.g. `tasks[2].forkTasks[0][1]`. */
export interface PlacedWorkflowTask {
  task: WorkflowTaskDef;
  path: string;
}

/** A sub-workflow a definition starts: its name, the version asked for (absent: the latest), and the SUB_WORKFLOW task's path. */
export interface SubWorkflowReference {
  name: string;
  version?: number;
  path: string;
}

/** Every task of a sequence, at any depth of branches and cases (not into children), each before its branches' tasks. */
export function* workflowTasksOf(tasks: readonly WorkflowTaskDef[], path: string): Generator<PlacedWorkflowTask> {
  for (const [index, task] of tasks.entries()) {
    const at = `${path}[${index}]`;
    yield { task, path: at };
    for (const [branch, branchTasks] of (task.forkTasks ?? []).entries()) yield* workflowTasksOf(branchTasks, `${at}.forkTasks[${branch}]`);
    for (const [key, caseTasks] of Object.entries(task.decisionCases ?? {})) yield* workflowTasksOf(caseTasks, `${at}.decisionCases.${key}`);
    yield* workflowTasksOf(task.defaultCase ?? [], `${at}.defaultCase`);
    yield* workflowTasksOf(task.loopOver ?? [], `${at}.loopOver`);
  }
}

/** The sub-workflows a definition's own tasks start (its children, not theirs), in the order they appear. */
export function subWorkflowNamesOf(def: { tasks: readonly WorkflowTaskDef[] }): SubWorkflowReference[] {
  const references: SubWorkflowReference[] = [];
  for (const { task, path } of workflowTasksOf(def.tasks, 'tasks')) {
    if (task.type !== 'SUB_WORKFLOW' || task.subWorkflowParam === undefined) continue;
    const { name, version } = task.subWorkflowParam;
    references.push(version === undefined ? { name, path } : { name, version, path });
  }
  return references;
}

/** The task types (names) of a definition's own SIMPLE tasks, once each: the task definitions it needs. */
export function simpleTaskNamesOf(def: { tasks: readonly WorkflowTaskDef[] }): string[] {
  const names = new Set<string>();
  for (const { task } of workflowTasksOf(def.tasks, 'tasks')) if (task.type === 'SIMPLE') names.add(task.name);
  return [...names];
}

/** The names whose task definitions a definition's own tasks use (SIMPLE tasks', and HTTP tasks' retries), once each. */
export function taskDefNamesOf(def: { tasks: readonly WorkflowTaskDef[] }): string[] {
  const names = new Set<string>();
  for (const { task } of workflowTasksOf(def.tasks, 'tasks')) if (task.type === 'SIMPLE' || task.type === 'HTTP') names.add(task.name);
  return [...names];
}

/** What checking a definition's tasks gathers as it walks them. */
interface TreeCheck {
  errors: FieldError[];
  /** Every reference name declared so far, anywhere in the definition: they are unique across all branches and cases. */
  references: Set<string>;
  /** JOINs, checked once every reference name is known (to say whether a joinOn name exists at all). */
  joins: Array<{ path: string; joinOn: string[]; forkReference: string; forkReferences: readonly string[] }>;
  /** The path of the DO_WHILE whose loopOver is being checked (loops do not nest). */
  insideLoop?: string;
}

interface CheckedSequence {
  tasks: WorkflowTaskDef[];
  /** The reference names its tasks declare, at any depth. */
  references: string[];
}

interface CheckedTask {
  /** Undefined: refused (the errors say why). */
  task: WorkflowTaskDef | undefined;
  /** The reference names declared inside its branches or cases, at any depth. */
  innerReferences: string[];
}

const NOT_CHECKED: CheckedTask = { task: undefined, innerReferences: [] };

const isWorkflowTaskType = (type: unknown): type is WorkflowTaskType => WORKFLOW_TASK_TYPES.includes(type as WorkflowTaskType);

/** The type a raw task says it has (absent: SIMPLE, as in Conductor). */
const typeOfRaw = (raw: unknown): unknown => (isRecord(raw) ? (raw.type ?? 'SIMPLE') : undefined);

const supportedTypes = (): string => `${WORKFLOW_TASK_TYPES.slice(0, -1).join(', ')} and ${WORKFLOW_TASK_TYPES[WORKFLOW_TASK_TYPES.length - 1]}`;

/**
 * Checks a definition's tasks, recursively through branches and cases, with
 * paths that name the place (`tasks[2].forkTasks[0][1].taskReferenceName`),
 * and answers them with Conductor's defaults filled in.
 */
export function validateWorkflowTasks(raw: unknown, path: string): Validated<WorkflowTaskDef[]> {
  if (!Array.isArray(raw) || raw.length === 0) return invalid([{ path, message: 'must be a non-empty array of tasks' }]);
  const check: TreeCheck = { errors: [], references: new Set(), joins: [] };
  const sequence = checkSequence(raw, path, check);
  for (const join of check.joins) {
    join.joinOn.forEach((reference, index) => {
      if (join.forkReferences.includes(reference)) return;
      check.errors.push({
        path: `${join.path}.joinOn[${index}]`,
        message: check.references.has(reference)
          ? `"${reference}" is not a task in the branches of the FORK_JOIN "${join.forkReference}" this JOIN follows`
          : `no task has the reference name "${reference}"`,
      });
    });
  }
  return check.errors.length > 0 ? invalid(check.errors) : valid(sequence.tasks);
}

function checkSequence(raw: readonly unknown[], path: string, check: TreeCheck): CheckedSequence {
  const tasks: WorkflowTaskDef[] = [];
  const references: string[] = [];
  let previous: CheckedTask = NOT_CHECKED;
  raw.forEach((item, index) => {
    const at = `${path}[${index}]`;
    const type = typeOfRaw(item);
    // Conductor's rule: a FORK_JOIN's branches meet at the JOIN right after it.
    if (type === 'FORK_JOIN' && typeOfRaw(raw[index + 1]) !== 'JOIN') {
      check.errors.push({ path: at, message: 'a FORK_JOIN must be followed by a JOIN in the same sequence' });
    }
    if (type === 'JOIN' && typeOfRaw(raw[index - 1]) !== 'FORK_JOIN') {
      check.errors.push({ path: at, message: 'a JOIN must directly follow the FORK_JOIN whose branches it joins' });
    }
    const checked = checkTask(item, at, check);
    if (checked.task?.type === 'JOIN' && previous.task?.type === 'FORK_JOIN') {
      check.joins.push({ path: at, joinOn: checked.task.joinOn ?? [], forkReference: previous.task.taskReferenceName, forkReferences: previous.innerReferences });
    }
    if (checked.task !== undefined) {
      tasks.push(checked.task);
      references.push(checked.task.taskReferenceName);
    }
    references.push(...checked.innerReferences);
    previous = checked;
  });
  return { tasks, references };
}

function checkTask(raw: unknown, at: string, check: TreeCheck): CheckedTask {
  if (!isRecord(raw)) {
    check.errors.push({ path: at, message: 'must be an object' });
    return NOT_CHECKED;
  }
  const errorsBefore = check.errors.length;
  check.errors.push(...checkName(`${at}.name`, raw.name));
  if (typeof raw.taskReferenceName !== 'string' || raw.taskReferenceName.trim() === '') {
    check.errors.push({ path: `${at}.taskReferenceName`, message: 'must be a non-empty string' });
  } else if (check.references.has(raw.taskReferenceName)) {
    check.errors.push({ path: `${at}.taskReferenceName`, message: `"${raw.taskReferenceName}" is used by an earlier task` });
  } else {
    check.references.add(raw.taskReferenceName);
  }
  if (raw.inputParameters !== undefined && raw.inputParameters !== null && !isRecord(raw.inputParameters)) {
    check.errors.push({ path: `${at}.inputParameters`, message: 'must be an object' });
  }
  const type = typeOfRaw(raw);
  if (!isWorkflowTaskType(type)) {
    check.errors.push({
      path: `${at}.type`,
      message:
        type === 'DECISION'
          ? `DECISION is not supported (Conductor deprecated it): use SWITCH with evaluatorType "${VALUE_PARAM_EVALUATOR}", its caseValueParam as expression`
          : `"${String(type)}" is not supported: Turnout runs ${supportedTypes()} tasks`,
    });
    return NOT_CHECKED;
  }
  const { fields, innerReferences } = checkFieldsOfType(type, raw, at, check);
  if (check.errors.length > errorsBefore) return { task: undefined, innerReferences };
  return {
    task: {
      ...raw,
      name: raw.name as string,
      taskReferenceName: raw.taskReferenceName as string,
      type,
      inputParameters: (raw.inputParameters as Record<string, unknown> | null | undefined) ?? {},
      ...fields,
    },
    innerReferences,
  };
}

/** The fields a task of this type needs, checked, with their defaults; and the reference names declared inside it. */
function checkFieldsOfType(
  type: WorkflowTaskType,
  raw: Record<string, unknown>,
  at: string,
  check: TreeCheck,
): { fields: Partial<WorkflowTaskDef>; innerReferences: string[] } {
  switch (type) {
    case 'SIMPLE':
      return { fields: {}, innerReferences: [] };
    case 'FORK_JOIN':
      return checkForkTasks(raw.forkTasks, `${at}.forkTasks`, check);
    case 'JOIN':
      return { fields: { joinOn: checkJoinOn(raw.joinOn, `${at}.joinOn`, check) }, innerReferences: [] };
    case 'SWITCH':
      return checkSwitch(raw, at, check);
    case 'SUB_WORKFLOW':
      return { fields: { subWorkflowParam: checkSubWorkflowParam(raw.subWorkflowParam, `${at}.subWorkflowParam`, check) }, innerReferences: [] };
    case 'SET_VARIABLE':
      return { fields: {}, innerReferences: [] };
    case 'TERMINATE':
      check.errors.push(...checkTerminate(raw.inputParameters, `${at}.inputParameters`));
      return { fields: {}, innerReferences: [] };
    case 'WAIT':
      check.errors.push(...checkWait(raw.inputParameters, `${at}.inputParameters`));
      return { fields: {}, innerReferences: [] };
    case 'INLINE':
      check.errors.push(...checkInline(raw.inputParameters, `${at}.inputParameters`));
      return { fields: {}, innerReferences: [] };
    case 'JSON_JQ_TRANSFORM':
      check.errors.push(...checkJq(raw.inputParameters, `${at}.inputParameters`));
      return { fields: {}, innerReferences: [] };
    case 'DO_WHILE':
      return checkDoWhile(raw, at, check);
    case 'START_WORKFLOW':
      check.errors.push(...checkStartWorkflowDef(raw.inputParameters, `${at}.inputParameters`));
      return { fields: {}, innerReferences: [] };
    case 'HTTP':
      check.errors.push(...checkHttpTaskDef(raw.inputParameters, `${at}.inputParameters`));
      return { fields: {}, innerReferences: [] };
    default: {
      const unknownType: never = type;
      throw new Error(`unknown task type ${String(unknownType)}`);
    }
  }
}

/** TERMINATE's terminationStatus, when written as it is (an expression is checked when the task runs). */
function checkTerminate(raw: unknown, path: string): FieldError[] {
  const status = isRecord(raw) ? raw.terminationStatus : undefined;
  if (typeof status === 'string' && !status.includes('${') && !(TERMINATION_STATUSES as readonly string[]).includes(status)) {
    return [{ path: `${path}.terminationStatus`, message: `must be one of ${TERMINATION_STATUSES.join(', ')}` }];
  }
  return isRecord(raw) && raw.terminationStatus !== undefined ? [] : [{ path: `${path}.terminationStatus`, message: `is required: one of ${TERMINATION_STATUSES.join(', ')}` }];
}

const isNonEmptyText = (value: unknown): value is string => typeof value === 'string' && value.trim() !== '';

/** INLINE's evaluatorType and expression, in its inputParameters as Conductor has them. */
function checkInline(raw: unknown, path: string): FieldError[] {
  const { evaluatorType, expression } = isRecord(raw) ? raw : {};
  const errors: FieldError[] = [];
  if (!isJavascriptEvaluator(evaluatorType) && evaluatorType !== VALUE_PARAM_EVALUATOR) {
    errors.push({ path: `${path}.evaluatorType`, message: `must be one of ${[...JAVASCRIPT_EVALUATORS, VALUE_PARAM_EVALUATOR].join(', ')}` });
  }
  if (!isNonEmptyText(expression)) {
    errors.push({ path: `${path}.expression`, message: 'must be a non-empty string: the script whose value is the result (inputs as $.name)' });
  }
  return errors;
}

/** JSON_JQ_TRANSFORM's queryExpression, in its inputParameters as Conductor has it. */
function checkJq(raw: unknown, path: string): FieldError[] {
  const queryExpression = isRecord(raw) ? raw.queryExpression : undefined;
  return isNonEmptyText(queryExpression) ? [] : [{ path: `${path}.queryExpression`, message: 'must be a non-empty string: the jq query over the task\'s input' }];
}

function checkDoWhile(raw: Record<string, unknown>, at: string, check: TreeCheck): { fields: Partial<WorkflowTaskDef>; innerReferences: string[] } {
  if (check.insideLoop !== undefined) {
    check.errors.push({ path: `${at}.type`, message: `a DO_WHILE inside the loopOver of another (${check.insideLoop}) is not supported` });
    return { fields: {}, innerReferences: [] };
  }
  if (!isNonEmptyText(raw.loopCondition)) {
    check.errors.push({ path: `${at}.loopCondition`, message: 'must be a non-empty string: a javascript condition over $ (true: one more iteration)' });
  }
  check.insideLoop = at;
  const loopOver = checkInnerSequence(raw.loopOver, `${at}.loopOver`, check, true);
  check.insideLoop = undefined;
  return { fields: { loopOver: loopOver.tasks }, innerReferences: loopOver.references };
}

/** WAIT's duration or until, when written as they are (an expression is checked when the task runs); neither: it waits for an update. */
function checkWait(raw: unknown, path: string): FieldError[] {
  if (!isRecord(raw)) return [];
  const { duration, until } = raw;
  if (duration !== undefined && until !== undefined) return [{ path, message: 'give duration or until, not both' }];
  const literal = (value: unknown): value is string => typeof value === 'string' && !value.includes('${');
  if (literal(duration) && waitDurationSeconds(duration) === null) {
    return [{ path: `${path}.duration`, message: 'must be a duration such as "30s", "2 minutes" or "1d 2h 3m 4s"' }];
  }
  if (literal(until) && waitUntilMs(until) === null) {
    return [{ path: `${path}.until`, message: 'must be a time such as "2026-12-31 23:59 GMT+00:00", "2026-12-31 23:59" (UTC) or "2026-12-31"' }];
  }
  return [];
}

const DURATION_UNITS: Record<string, number> = {
  d: 86_400, day: 86_400, days: 86_400,
  h: 3_600, hr: 3_600, hrs: 3_600, hour: 3_600, hours: 3_600,
  m: 60, min: 60, mins: 60, minute: 60, minutes: 60,
  s: 1, sec: 1, secs: 1, second: 1, seconds: 1,
};

/** Seconds in a WAIT duration, Conductor's format ("1d 2h 3m 4s", "2 minutes"); null: not one. */
export function waitDurationSeconds(text: string): number | null {
  const written = text.trim().toLowerCase();
  if (!/^(\d+\s*[a-z]+\s*)+$/.test(written)) return null;
  let total = 0;
  for (const [, count, unit] of written.matchAll(/(\d+)\s*([a-z]+)/g)) {
    const seconds = Object.hasOwn(DURATION_UNITS, unit) ? DURATION_UNITS[unit] : undefined;
    if (seconds === undefined) return null;
    total += Number(count) * seconds;
  }
  return total;
}

/** Epoch ms of a WAIT's until ("yyyy-MM-dd HH:mm z", "yyyy-MM-dd HH:mm" in UTC, or "yyyy-MM-dd"); null: not one. */
export function waitUntilMs(text: string): number | null {
  const match = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2})(?::(\d{2}))?)?\s*(?:(?:GMT|UTC)?\s*([+-]\d{2}:?\d{2})|(GMT|UTC|Z))?$/.exec(text.trim());
  if (match === null) return null;
  const [, date, time = '00:00', secondsPart = '00', offset, zulu] = match;
  const zone = offset === undefined ? 'Z' : offset.includes(':') ? offset : `${offset.slice(0, 3)}:${offset.slice(3)}`;
  const ms = Date.parse(`${date}T${time}:${secondsPart}${zulu === undefined && offset === undefined ? 'Z' : zone}`);
  return Number.isNaN(ms) ? null : ms;
}

/** A sequence inside a task (a branch, a case): an array of tasks, which `nonEmpty` requires to have one at least. */
function checkInnerSequence(raw: unknown, path: string, check: TreeCheck, nonEmpty: boolean): CheckedSequence {
  if (!Array.isArray(raw) || (nonEmpty && raw.length === 0)) {
    check.errors.push({ path, message: nonEmpty ? 'must be a non-empty array of tasks' : 'must be an array of tasks' });
    return { tasks: [], references: [] };
  }
  return checkSequence(raw, path, check);
}

function checkForkTasks(raw: unknown, path: string, check: TreeCheck): { fields: Partial<WorkflowTaskDef>; innerReferences: string[] } {
  if (!Array.isArray(raw) || raw.length === 0) {
    check.errors.push({ path, message: 'must be a non-empty array of branches, each a non-empty array of tasks' });
    return { fields: {}, innerReferences: [] };
  }
  const branches = raw.map((branch: unknown, index) => checkInnerSequence(branch, `${path}[${index}]`, check, true));
  return { fields: { forkTasks: branches.map((branch) => branch.tasks) }, innerReferences: branches.flatMap((branch) => branch.references) };
}

/** Absent: none, as Conductor's SDK writes a JOIN it makes for a fork (`joinOn: []`). */
function checkJoinOn(raw: unknown, path: string, check: TreeCheck): string[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    check.errors.push({ path, message: 'must be an array of task reference names' });
    return [];
  }
  raw.forEach((reference: unknown, index) => {
    if (typeof reference !== 'string' || reference.trim() === '') check.errors.push({ path: `${path}[${index}]`, message: 'must be a non-empty string' });
  });
  return raw as string[];
}

function checkSwitch(raw: Record<string, unknown>, at: string, check: TreeCheck): { fields: Partial<WorkflowTaskDef>; innerReferences: string[] } {
  const evaluatorType = raw.evaluatorType;
  // Conductor requires evaluatorType; a javascript expression runs in the sandbox.
  const javascript = isJavascriptEvaluator(evaluatorType);
  if (!javascript && evaluatorType !== VALUE_PARAM_EVALUATOR) {
    check.errors.push({
      path: `${at}.evaluatorType`,
      message: `must be "${VALUE_PARAM_EVALUATOR}" (the case is the input parameter that expression names) or "javascript" (the case is the expression's value)`,
    });
  }
  if (typeof raw.expression !== 'string' || raw.expression.trim() === '') {
    check.errors.push({
      path: `${at}.expression`,
      message: javascript ? 'must be a non-empty string: a javascript expression over $ whose value is the case' : 'must be a non-empty string: the name of the input parameter whose value is the case',
    });
  }
  const casesAt = `${at}.decisionCases`;
  let decisionCases: Array<[string, CheckedSequence]> = [];
  if (!isRecord(raw.decisionCases)) {
    check.errors.push({ path: casesAt, message: 'must be an object whose fields are the cases, each an array of tasks' });
  } else {
    decisionCases = Object.entries(raw.decisionCases).map(([key, tasks]) => [key, checkInnerSequence(tasks, `${casesAt}.${key}`, check, false)]);
  }
  const defaultCase =
    raw.defaultCase === undefined || raw.defaultCase === null
      ? { tasks: [], references: [] }
      : checkInnerSequence(raw.defaultCase, `${at}.defaultCase`, check, false);
  return {
    fields: {
      evaluatorType: javascript ? 'javascript' : VALUE_PARAM_EVALUATOR,
      // Defined, not assigned: a case may be called `__proto__`.
      decisionCases: Object.fromEntries(decisionCases.map(([key, sequence]) => [key, sequence.tasks])),
      defaultCase: defaultCase.tasks,
    },
    innerReferences: [...decisionCases.flatMap(([, sequence]) => sequence.references), ...defaultCase.references],
  };
}

function checkSubWorkflowParam(raw: unknown, path: string, check: TreeCheck): SubWorkflowParam | undefined {
  if (!isRecord(raw)) {
    check.errors.push({ path, message: 'must be an object naming the workflow the child runs (name, optionally version)' });
    return undefined;
  }
  check.errors.push(...checkName(`${path}.name`, raw.name));
  const { version, ...rest } = raw;
  if (version !== undefined && version !== null && !(Number.isInteger(version) && (version as number) >= 1)) {
    check.errors.push({ path: `${path}.version`, message: 'must be a whole number, 1 or more' });
  }
  if (raw.taskToDomain !== undefined && raw.taskToDomain !== null) {
    // Checked here for its form; against the child's task types (queue name lengths) when the blueprint is built.
    const parsed = parseTaskToDomain(raw.taskToDomain, [], `${path}.taskToDomain`);
    if (!parsed.ok) check.errors.push(...parsed.errors);
  }
  if (raw.workflowDefinition !== undefined && raw.workflowDefinition !== null) {
    check.errors.push({ path: `${path}.workflowDefinition`, message: 'is not supported: register the child workflow and give its name' });
  }
  const { taskToDomain, ...kept } = rest;
  return {
    ...kept,
    name: raw.name as string,
    ...(version === undefined || version === null ? {} : { version: version as number }),
    ...(taskToDomain === undefined || taskToDomain === null ? {} : { taskToDomain: taskToDomain as Record<string, string> }),
  };
}
