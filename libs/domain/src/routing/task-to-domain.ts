import { type FieldError, type Validated, invalid, valid } from '../field-error';
import { NO_DOMAIN, isNoDomain, nameProblem, queueNameProblem } from './names';

/** The key that applies to every task type without a rule of its own. */
export const ALL_TASKS_KEY = '*';

/** One entry of a taskToDomain map, parsed. */
export interface DomainRule {
  /** The map key that holds the rule: a task type or `*`. */
  key: string;
  /** The value as the client wrote it. */
  value: string;
  /** Domains to try, left to right, without NO_DOMAIN. */
  domains: readonly string[];
  /** The list ends in NO_DOMAIN: with no active domain, use the default queue. */
  fallsBackToNoDomain: boolean;
}

/**
 * A run's map, parsed: the rule of each key (a task type or `*`). Plain data, so
 * that WorkflowStarted carries it as it is and every decision reads it unparsed.
 */
export type TaskToDomain = Readonly<Record<string, DomainRule>>;

export const EMPTY_TASK_TO_DOMAIN: TaskToDomain = {};

const ruleOfKey = (taskToDomain: TaskToDomain, key: string): DomainRule | undefined =>
  Object.hasOwn(taskToDomain, key) ? taskToDomain[key] : undefined;

/** The rule that applies to a task type: its own key first, else `*`, else none. */
export function ruleFor(taskToDomain: TaskToDomain, taskType: string): DomainRule | undefined {
  return ruleOfKey(taskToDomain, taskType) ?? ruleOfKey(taskToDomain, ALL_TASKS_KEY);
}

function parseRule(field: string, key: string, value: unknown): Validated<DomainRule> {
  if (typeof value !== 'string') return invalid([{ path: field, message: 'must be a string of comma-separated domains' }]);
  if (value.trim() === '') return invalid([{ path: field, message: 'must name at least one domain or NO_DOMAIN' }]);
  const tokens = value.split(',').map((token) => token.trim());
  const errors: FieldError[] = [];
  tokens.forEach((token, index) => {
    if (token === '') {
      errors.push({ path: field, message: `domain #${index + 1} of "${value}" is empty` });
    } else if (isNoDomain(token) && index !== tokens.length - 1) {
      errors.push({ path: field, message: `${NO_DOMAIN} may only be the last domain in "${value}"` });
    } else if (!isNoDomain(token)) {
      const problem = nameProblem(token);
      if (problem !== null) errors.push({ path: field, message: `domain "${token}" ${problem}` });
    }
  });
  if (errors.length > 0) return invalid(errors);
  const fallsBackToNoDomain = isNoDomain(tokens[tokens.length - 1]);
  return valid({ key, value, domains: fallsBackToNoDomain ? tokens.slice(0, -1) : tokens, fallsBackToNoDomain });
}

/**
 * Parses a StartWorkflowRequest's taskToDomain. `null`/absent is an empty map.
 * With `taskTypes` (those of the workflow), also refuses a rule whose queue
 * names would exceed RabbitMQ's limit for any of them.
 */
export function parseTaskToDomain(
  raw: unknown,
  taskTypes: readonly string[] = [],
  field = 'taskToDomain',
): Validated<TaskToDomain> {
  if (raw === undefined || raw === null) return valid(EMPTY_TASK_TO_DOMAIN);
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    return invalid([{ path: field, message: 'must be an object mapping task types to comma-separated domains' }]);
  }
  const rules: Record<string, DomainRule> = {};
  const errors: FieldError[] = [];
  // A task type whose own rule is refused must not be checked against `*` as well.
  const refusedKeys = new Set<string>();
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const entryField = `${field}.${key}`;
    const keyProblem = key === ALL_TASKS_KEY ? null : nameProblem(key);
    if (keyProblem !== null) {
      errors.push({ path: entryField, message: `task type ${keyProblem}` });
      refusedKeys.add(key);
      continue;
    }
    const rule = parseRule(entryField, key, value);
    if (!rule.ok) {
      errors.push(...rule.errors);
      refusedKeys.add(key);
      continue;
    }
    // Defined, not assigned: a task type may be called `__proto__`.
    Object.defineProperty(rules, key, { value: rule.value, enumerable: true, writable: true, configurable: true });
  }
  for (const taskType of new Set(taskTypes)) {
    if (refusedKeys.has(taskType)) continue;
    const rule = ruleFor(rules, taskType);
    for (const domain of rule?.domains ?? []) {
      const problem = queueNameProblem(taskType, domain);
      if (problem !== null) errors.push({ path: `${field}.${rule!.key}`, message: problem });
    }
  }
  return errors.length > 0 ? invalid(errors) : valid(rules);
}

/** The map back in the client's own form, as the API shows it. */
export function taskToDomainAsRecord(taskToDomain: TaskToDomain): Record<string, string> {
  return Object.fromEntries(Object.values(taskToDomain).map((rule) => [rule.key, rule.value]));
}
