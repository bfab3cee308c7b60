import { workerDomainProblem } from '@turnout/domain';

/**
 * Which rule chose a worker's domain, highest precedence first (Conductor's order):
 * 1. TASK_TYPE_SETTING: `CONDUCTOR_WORKER_<TASKTYPE>_DOMAIN` or `conductor.worker.<taskType>.domain`;
 * 2. ALL_WORKERS_SETTING: `CONDUCTOR_WORKER_ALL_DOMAIN` or `conductor.worker.all.domain`;
 * 3. RUNNER_TASK_TO_DOMAIN: the TaskRunner's `taskToDomain` map;
 * 4. WORKER_DECLARATION: the `domain` where the worker is declared (`@WorkerTask`, `defineWorker`);
 * 5. NOT_CONFIGURED: none of these; the worker polls the default queue.
 */
export type WorkerDomainRule =
  | 'TASK_TYPE_SETTING'
  | 'ALL_WORKERS_SETTING'
  | 'RUNNER_TASK_TO_DOMAIN'
  | 'WORKER_DECLARATION'
  | 'NOT_CONFIGURED';

export interface WorkerDomainChoice {
  /** The one domain the worker polls, or null for the default queue `<taskType>`. */
  domain: string | null;
  rule: WorkerDomainRule;
  /** Where the value came from, for people: `env CONDUCTOR_WORKER_HELLO_WORLD_DOMAIN`. */
  source: string;
}

export interface WorkerDomainSources {
  taskType: string;
  /** Where settings are read: the process environment, as Conductor's JavaScript SDK reads it. */
  environment: Readonly<Record<string, string | undefined>>;
  /** The runner's map, task type to domain (one domain, not a list). */
  runnerTaskToDomain?: Readonly<Record<string, string>>;
  /** The domain given where the worker is declared. */
  declaredDomain?: string | null;
}

/** Refused at start: the message says which value, from where, and why. */
export class WorkerDomainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkerDomainError';
  }
}

export const ALL_WORKERS_DOMAIN_SETTINGS = ['CONDUCTOR_WORKER_ALL_DOMAIN', 'conductor.worker.all.domain'] as const;

/**
 * The two names of a task type's own domain setting, upper-case first: that is the
 * order in which Conductor's JavaScript SDK reads them. Node passes variables with
 * dots through the environment unchanged, so both are plain environment variables.
 */
export function taskTypeDomainSettings(taskType: string): readonly [string, string] {
  return [`CONDUCTOR_WORKER_${taskType.toUpperCase()}_DOMAIN`, `conductor.worker.${taskType}.domain`];
}

/**
 * The domain a worker of this task type polls, and the rule that chose it.
 * Pure: everything it reads is in `sources`. Throws WorkerDomainError when the
 * chosen value is not one usable domain (a list, NO_DOMAIN, an invalid name).
 */
export function resolveWorkerDomain(sources: WorkerDomainSources): WorkerDomainChoice {
  const choice = chooseWorkerDomain(sources);
  if (choice.domain !== null) {
    const problem = workerDomainProblem(sources.taskType, choice.domain);
    if (problem !== null) {
      throw new WorkerDomainError(`worker for ${sources.taskType}: domain "${choice.domain}" (from ${choice.source}) ${problem}`);
    }
  }
  return choice;
}

function chooseWorkerDomain({ taskType, environment, runnerTaskToDomain, declaredDomain }: WorkerDomainSources): WorkerDomainChoice {
  const fromTaskTypeSetting = firstSetting(environment, taskTypeDomainSettings(taskType));
  if (fromTaskTypeSetting !== null) return { ...fromTaskTypeSetting, rule: 'TASK_TYPE_SETTING' };
  const fromAllSetting = firstSetting(environment, ALL_WORKERS_DOMAIN_SETTINGS);
  if (fromAllSetting !== null) return { ...fromAllSetting, rule: 'ALL_WORKERS_SETTING' };
  if (runnerTaskToDomain !== undefined && Object.hasOwn(runnerTaskToDomain, taskType)) {
    return { domain: runnerTaskToDomain[taskType], rule: 'RUNNER_TASK_TO_DOMAIN', source: `the runner's taskToDomain["${taskType}"]` };
  }
  if (declaredDomain !== undefined && declaredDomain !== null) {
    return { domain: declaredDomain, rule: 'WORKER_DECLARATION', source: 'the worker declaration' };
  }
  return { domain: null, rule: 'NOT_CONFIGURED', source: 'no setting' };
}

/**
 * The first of these variables that holds a value. A blank variable counts as
 * unset, as `VAR=` does in shells and compose files: it never means "no domain".
 */
function firstSetting(
  environment: Readonly<Record<string, string | undefined>>,
  names: readonly string[],
): { domain: string; source: string } | null {
  for (const name of names) {
    const value = environment[name];
    if (value !== undefined && value.trim() !== '') return { domain: value, source: `env ${name}` };
  }
  return null;
}
