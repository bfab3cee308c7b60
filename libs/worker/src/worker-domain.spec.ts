import { type WorkerDomainRule, type WorkerDomainSources, WorkerDomainError, resolveWorkerDomain } from './worker-domain';

const TASK = 'hello_world';

/** Every place a domain can be configured, highest precedence first, each with its own value. */
const LEVELS = [
  { name: 'env CONDUCTOR_WORKER_HELLO_WORLD_DOMAIN', rule: 'TASK_TYPE_SETTING', domain: 'task_upper', apply: (s: Sources) => (s.environment.CONDUCTOR_WORKER_HELLO_WORLD_DOMAIN = 'task_upper') },
  { name: 'env conductor.worker.hello_world.domain', rule: 'TASK_TYPE_SETTING', domain: 'task_dotted', apply: (s: Sources) => (s.environment['conductor.worker.hello_world.domain'] = 'task_dotted') },
  { name: 'env CONDUCTOR_WORKER_ALL_DOMAIN', rule: 'ALL_WORKERS_SETTING', domain: 'all_upper', apply: (s: Sources) => (s.environment.CONDUCTOR_WORKER_ALL_DOMAIN = 'all_upper') },
  { name: 'env conductor.worker.all.domain', rule: 'ALL_WORKERS_SETTING', domain: 'all_dotted', apply: (s: Sources) => (s.environment['conductor.worker.all.domain'] = 'all_dotted') },
  { name: `the runner's taskToDomain["${TASK}"]`, rule: 'RUNNER_TASK_TO_DOMAIN', domain: 'runner_map', apply: (s: Sources) => (s.runnerTaskToDomain = { [TASK]: 'runner_map' }) },
  { name: 'the worker declaration', rule: 'WORKER_DECLARATION', domain: 'declared', apply: (s: Sources) => (s.declaredDomain = 'declared') },
] as const satisfies ReadonlyArray<{ name: string; rule: WorkerDomainRule; domain: string; apply: (s: Sources) => unknown }>;

type Sources = WorkerDomainSources & { environment: Record<string, string | undefined>; runnerTaskToDomain?: Record<string, string> };

const sources = (overrides: Partial<Sources> = {}): Sources => ({ taskType: TASK, environment: {}, ...overrides });

describe('resolveWorkerDomain: which domain a worker polls', () => {
  // All 64 combinations of the six places being set or not: the highest one set always wins.
  const combinations = Array.from({ length: 2 ** LEVELS.length }, (_, mask) => LEVELS.filter((_, index) => (mask & (1 << index)) !== 0));

  it.each(combinations.map((set) => [set.map((level) => level.name).join(' + ') || 'nothing set', set] as const))(
    'precedence with %s',
    (_, set) => {
      const configured = sources();
      for (const level of set) level.apply(configured);
      const winner = set[0];
      expect(resolveWorkerDomain(configured)).toEqual(
        winner === undefined
          ? { domain: null, rule: 'NOT_CONFIGURED', source: 'no setting' }
          : { domain: winner.domain, rule: winner.rule, source: winner.name },
      );
    },
  );

  it.each<[string, Partial<Sources>, string | null, WorkerDomainRule]>([
    ["Conductor's documented case: env beats the runner map and the declaration", { environment: { CONDUCTOR_WORKER_HELLO_WORLD_DOMAIN: 'doug' }, runnerTaskToDomain: { [TASK]: 'test' }, declaredDomain: 'prod' }, 'doug', 'TASK_TYPE_SETTING'],
    ['the all-workers setting beats the runner map', { environment: { CONDUCTOR_WORKER_ALL_DOMAIN: 'staging' }, runnerTaskToDomain: { [TASK]: 'doug' } }, 'staging', 'ALL_WORKERS_SETTING'],
    ['the runner map beats the declaration', { runnerTaskToDomain: { [TASK]: 'doug' }, declaredDomain: 'test' }, 'doug', 'RUNNER_TASK_TO_DOMAIN'],
    ["another task type's setting does not apply", { environment: { CONDUCTOR_WORKER_SEND_EMAIL_DOMAIN: 'x', 'conductor.worker.send_email.domain': 'x' }, declaredDomain: 'test' }, 'test', 'WORKER_DECLARATION'],
    ["another task type's map entry does not apply", { runnerTaskToDomain: { send_email: 'x' } }, null, 'NOT_CONFIGURED'],
    ['a blank variable counts as unset', { environment: { CONDUCTOR_WORKER_HELLO_WORLD_DOMAIN: '', 'conductor.worker.hello_world.domain': '  ', CONDUCTOR_WORKER_ALL_DOMAIN: 'all' } }, 'all', 'ALL_WORKERS_SETTING'],
    ['a null declaration is no domain', { declaredDomain: null }, null, 'NOT_CONFIGURED'],
    ['the dotted name keeps the task type as written', { environment: { 'conductor.worker.HELLO_WORLD.domain': 'x' } }, null, 'NOT_CONFIGURED'],
  ])('%s', (_, overrides, domain, rule) => {
    expect(resolveWorkerDomain(sources(overrides))).toMatchObject({ domain, rule });
  });

  it('upper-cases the task type in the variable name as it is, punctuation and all', () => {
    const choice = resolveWorkerDomain({ taskType: 'send-Email.v2', environment: { 'CONDUCTOR_WORKER_SEND-EMAIL.V2_DOMAIN': 'eu' } });
    expect(choice).toEqual({ domain: 'eu', rule: 'TASK_TYPE_SETTING', source: 'env CONDUCTOR_WORKER_SEND-EMAIL.V2_DOMAIN' });
  });

  describe('refuses what is not exactly one domain, saying where it came from and why', () => {
    it.each<[string, Partial<Sources>, RegExp]>([
      ['a list in the task-type setting', { environment: { CONDUCTOR_WORKER_HELLO_WORLD_DOMAIN: 'a,b' } }, /"a,b" \(from env CONDUCTOR_WORKER_HELLO_WORLD_DOMAIN\) is a list: a worker polls exactly one domain/],
      ['a list with spaces in the all-workers setting', { environment: { 'conductor.worker.all.domain': 'canary, stable' } }, /"canary, stable" \(from env conductor\.worker\.all\.domain\) is a list/],
      ['a list in the runner map', { runnerTaskToDomain: { [TASK]: 'doug,NO_DOMAIN' } }, /from the runner's taskToDomain\["hello_world"\]\) is a list/],
      ['NO_DOMAIN in the environment', { environment: { CONDUCTOR_WORKER_ALL_DOMAIN: 'NO_DOMAIN' } }, /is NO_DOMAIN, which only a workflow's taskToDomain understands: to poll the default queue, configure no domain/],
      ['no_domain in any letter case, declared', { declaredDomain: 'no_domain' }, /"no_domain" \(from the worker declaration\) is NO_DOMAIN/],
      ['an @ in the name', { declaredDomain: 'a@b' }, /must not contain "@"/],
      ['white space around the name', { environment: { CONDUCTOR_WORKER_HELLO_WORLD_DOMAIN: ' doug' } }, /must not start or end with white space/],
      ['an empty declared domain', { declaredDomain: '' }, /must not be empty/],
      ['a queue name over 255 bytes', { declaredDomain: 'd'.repeat(260) }, /RabbitMQ allows 255/],
    ])('%s', (_, overrides, message) => {
      const resolve = () => resolveWorkerDomain(sources(overrides));
      expect(resolve).toThrow(WorkerDomainError);
      expect(resolve).toThrow(message);
    });

    it('only the chosen value counts: a list further down, overridden, is not an error', () => {
      const choice = resolveWorkerDomain(sources({ environment: { CONDUCTOR_WORKER_HELLO_WORLD_DOMAIN: 'doug' }, runnerTaskToDomain: { [TASK]: 'a,b' }, declaredDomain: 'NO_DOMAIN' }));
      expect(choice.domain).toBe('doug');
    });
  });
});
