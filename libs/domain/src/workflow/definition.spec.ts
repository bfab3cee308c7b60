import fc from 'fast-check';
import {
  DEFAULT_BACKOFF_SCALE_FACTOR,
  DEFAULT_RESPONSE_TIMEOUT_SECONDS,
  DEFAULT_RETRY_COUNT,
  DEFAULT_RETRY_DELAY_SECONDS,
  DEFAULT_RETRY_LOGIC,
  DEFAULT_TASK_TIMEOUT_POLICY,
  RETRY_LOGICS,
  type RetryLogic,
  type TaskPolicy,
  type WorkflowDef,
  type WorkflowBlueprint,
  blueprintOf,
  buildBlueprint,
  policyOf,
  retryDelaySeconds,
  taskTypesOf,
  topSequenceOf,
  validateTaskDefs,
  validateWorkflowDef,
} from './definition';

function validDef(raw: unknown): WorkflowDef {
  const result = validateWorkflowDef(raw);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.value;
}

function errorsOf(raw: unknown, at?: string) {
  const result = validateWorkflowDef(raw, at);
  if (result.ok) throw new Error('expected the definition to be refused');
  return result.errors;
}

describe('validateWorkflowDef', () => {
  it('fills in Conductor defaults: version 1, SIMPLE tasks, no input parameters', () => {
    expect(validateWorkflowDef({ name: 'w', tasks: [{ name: 'hello_world', taskReferenceName: 'hello' }] })).toEqual({
      ok: true,
      value: { name: 'w', version: 1, outputParameters: undefined, tasks: [{ name: 'hello_world', taskReferenceName: 'hello', type: 'SIMPLE', inputParameters: {} }] },
    });
  });

  it('keeps what is given: version, explicit SIMPLE, input and output parameters, other fields', () => {
    const def = validDef({
      name: 'w',
      version: 3,
      description: 'kept as given',
      tasks: [{ name: 'a', taskReferenceName: 'x', type: 'SIMPLE', inputParameters: { id: '${workflow.input.id}' }, optional: false }],
      outputParameters: { out: '${x.output.y}' },
    });
    expect(def).toEqual({
      name: 'w',
      version: 3,
      description: 'kept as given',
      tasks: [{ name: 'a', taskReferenceName: 'x', type: 'SIMPLE', inputParameters: { id: '${workflow.input.id}' }, optional: false }],
      outputParameters: { out: '${x.output.y}' },
    });
  });

  it('reads outputParameters: null as none', () => {
    expect(validDef({ name: 'w', tasks: [{ name: 'a', taskReferenceName: 'x' }], outputParameters: null }).outputParameters).toBeUndefined();
  });

  it.each([
    ['a missing name', { tasks: [{ name: 'a', taskReferenceName: 'a' }] }, 'name', 'must be a string'],
    ['an empty name', { name: '', tasks: [{ name: 'a', taskReferenceName: 'a' }] }, 'name', 'must not be empty'],
    ['no tasks', { name: 'w' }, 'tasks', 'non-empty array'],
    ['empty tasks', { name: 'w', tasks: [] }, 'tasks', 'non-empty array'],
    ['tasks that are not an array', { name: 'w', tasks: { a: 1 } }, 'tasks', 'non-empty array'],
    ['a task that is not an object', { name: 'w', tasks: ['a'] }, 'tasks[0]', 'must be an object'],
    ['a task with no name', { name: 'w', tasks: [{ taskReferenceName: 'x' }] }, 'tasks[0].name', 'must be a string'],
    ['a task name with "@"', { name: 'w', tasks: [{ name: 'a@b', taskReferenceName: 'x' }] }, 'tasks[0].name', '"@"'],
    ['a task name too long for a queue', { name: 'w', tasks: [{ name: 'a'.repeat(256), taskReferenceName: 'x' }] }, 'tasks[0].name', '256 bytes'],
    ['a missing taskReferenceName', { name: 'w', tasks: [{ name: 'a' }] }, 'tasks[0].taskReferenceName', 'non-empty string'],
    ['a blank taskReferenceName', { name: 'w', tasks: [{ name: 'a', taskReferenceName: '  ' }] }, 'tasks[0].taskReferenceName', 'non-empty string'],
    [
      'a duplicate taskReferenceName',
      { name: 'w', tasks: [{ name: 'a', taskReferenceName: 'x' }, { name: 'b', taskReferenceName: 'x' }] },
      'tasks[1].taskReferenceName',
      '"x" is used by an earlier task',
    ],
    ['an unsupported task type', { name: 'w', tasks: [{ name: 'a', taskReferenceName: 'x', type: 'KAFKA_PUBLISH' }] }, 'tasks[0].type', '"KAFKA_PUBLISH" is not supported'],
    ['inputParameters that are not an object', { name: 'w', tasks: [{ name: 'a', taskReferenceName: 'x', inputParameters: [1] }] }, 'tasks[0].inputParameters', 'must be an object'],
    ['version 0', { name: 'w', version: 0, tasks: [{ name: 'a', taskReferenceName: 'x' }] }, 'version', '1 or more'],
    ['a fractional version', { name: 'w', version: 1.5, tasks: [{ name: 'a', taskReferenceName: 'x' }] }, 'version', 'whole number'],
    ['outputParameters that are not an object', { name: 'w', tasks: [{ name: 'a', taskReferenceName: 'x' }], outputParameters: 'x' }, 'outputParameters', 'must be an object'],
    ['a negative timeoutSeconds', { name: 'w', timeoutSeconds: -1, tasks: [{ name: 'a', taskReferenceName: 'x' }] }, 'timeoutSeconds', '0 or more'],
    ['a fractional timeoutSeconds', { name: 'w', timeoutSeconds: 0.5, tasks: [{ name: 'a', taskReferenceName: 'x' }] }, 'timeoutSeconds', 'whole number'],
    ['a timeoutPolicy a workflow cannot have', { name: 'w', timeoutPolicy: 'RETRY', tasks: [{ name: 'a', taskReferenceName: 'x' }] }, 'timeoutPolicy', 'one of TIME_OUT_WF, ALERT_ONLY'],
  ])('refuses %s, naming the field %s', (_scenario, raw, field, reason) => {
    expect(errorsOf(raw)).toEqual([{ path: field, message: expect.stringContaining(reason) }]);
  });

  it('keeps a workflow timeout and its policy', () => {
    expect(validDef({ name: 'w', timeoutSeconds: 600, timeoutPolicy: 'ALERT_ONLY', tasks: [{ name: 'a', taskReferenceName: 'x' }] })).toMatchObject({
      timeoutSeconds: 600,
      timeoutPolicy: 'ALERT_ONLY',
    });
  });

  it.each([[null], ['w'], [[{ name: 'w' }]]])('refuses a body that is not an object: %j', (raw) => {
    expect(errorsOf(raw)).toEqual([{ path: 'body', message: expect.stringContaining('workflow definition object') }]);
  });

  it('lists every problem, not only the first', () => {
    const errors = errorsOf({
      version: -1,
      tasks: [
        { name: 'a', taskReferenceName: 'x' },
        { name: 'b,c', taskReferenceName: 'x', type: 'KAFKA_PUBLISH' },
      ],
    });
    expect(errors.map((error) => error.path)).toEqual(['name', 'version', 'tasks[1].name', 'tasks[1].taskReferenceName', 'tasks[1].type']);
  });

  it('prefixes the fields of an embedded definition', () => {
    expect(errorsOf({ name: '', tasks: [{ name: 'a', taskReferenceName: 'x' }, { name: 'b', taskReferenceName: 'x' }] }, 'workflowDef').map((e) => e.path)).toEqual([
      'workflowDef.name',
      'workflowDef.tasks[1].taskReferenceName',
    ]);
    expect(errorsOf(7, 'workflowDef')).toEqual([{ path: 'workflowDef', message: expect.any(String) }]);
  });
});

describe('validateTaskDefs', () => {
  it('accepts a list of task definitions, keeping the fields Turnout does not use', () => {
    const defs = [{ name: 'a', retryCount: 2, responseTimeoutSeconds: 60, ownerEmail: 'x@y' }, { name: 'b' }];
    expect(validateTaskDefs(defs)).toEqual({ ok: true, value: defs });
  });

  it('accepts retryCount 0', () => {
    expect(validateTaskDefs([{ name: 'a', retryCount: 0 }]).ok).toBe(true);
  });

  it('accepts the retry and timeout fields Conductor defines', () => {
    const defs = [
      {
        name: 'a',
        retryCount: 2,
        retryLogic: 'EXPONENTIAL_BACKOFF',
        retryDelaySeconds: 0,
        backoffScaleFactor: 3,
        pollTimeoutSeconds: 30,
        responseTimeoutSeconds: 60,
        timeoutSeconds: 600,
        timeoutPolicy: 'ALERT_ONLY',
      },
      ...RETRY_LOGICS.map((retryLogic) => ({ name: `b_${retryLogic}`, retryLogic })),
    ];
    expect(validateTaskDefs(defs)).toEqual({ ok: true, value: defs });
  });

  it.each([[{ name: 'a' }], [[]], [null], ['a']])('refuses a body that is not a non-empty list: %j', (raw) => {
    expect(validateTaskDefs(raw)).toEqual({ ok: false, errors: [{ path: 'body', message: expect.stringContaining('non-empty JSON array') }] });
  });

  it.each([
    ['an entry that is not an object', ['a'], '[0]', 'must be an object'],
    ['a missing name', [{ retryCount: 1 }], '[0].name', 'must be a string'],
    ['a name with ","', [{ name: 'a,b' }], '[0].name', '","'],
    ['a negative retryCount', [{ name: 'a' }, { name: 'b', retryCount: -1 }], '[1].retryCount', '0 or more'],
    ['a fractional retryCount', [{ name: 'a', retryCount: 1.5 }], '[0].retryCount', 'whole number'],
    ['a retryCount that is text', [{ name: 'a', retryCount: '3' }], '[0].retryCount', 'whole number'],
    ['a zero responseTimeoutSeconds', [{ name: 'a', responseTimeoutSeconds: 0 }], '[0].responseTimeoutSeconds', 'above 0'],
    ['an unknown retryLogic', [{ name: 'a', retryLogic: 'RANDOM' }], '[0].retryLogic', 'one of FIXED, EXPONENTIAL_BACKOFF, LINEAR_BACKOFF'],
    ['a negative retryDelaySeconds', [{ name: 'a', retryDelaySeconds: -1 }], '[0].retryDelaySeconds', '0 or more'],
    ['a backoffScaleFactor of 0', [{ name: 'a', backoffScaleFactor: 0 }], '[0].backoffScaleFactor', '1 or more'],
    ['a fractional pollTimeoutSeconds', [{ name: 'a', pollTimeoutSeconds: 2.5 }], '[0].pollTimeoutSeconds', 'whole number'],
    ['a negative timeoutSeconds', [{ name: 'a', timeoutSeconds: -10 }], '[0].timeoutSeconds', '0 or more'],
    ['an unknown timeoutPolicy', [{ name: 'a', timeoutPolicy: 'IGNORE' }], '[0].timeoutPolicy', 'one of RETRY, TIME_OUT_WF, ALERT_ONLY'],
  ])('refuses %s, naming the entry %s', (_scenario, raw, field, reason) => {
    expect(validateTaskDefs(raw)).toEqual({ ok: false, errors: [{ path: field, message: expect.stringContaining(reason) }] });
  });

  it('lists every bad entry', () => {
    const result = validateTaskDefs([{ name: '' }, { name: 'ok' }, { name: 'b', retryCount: -2, responseTimeoutSeconds: -5 }]);
    expect(result.ok === false && result.errors.map((error) => error.path)).toEqual(['[0].name', '[2].retryCount', '[2].responseTimeoutSeconds']);
  });
});

describe('blueprintOf', () => {
  const def = validDef({
    name: 'w',
    version: 2,
    tasks: [
      { name: 'a', taskReferenceName: 'first', inputParameters: { id: '${workflow.input.id}' } },
      { name: 'b', taskReferenceName: 'second' },
      { name: 'c', taskReferenceName: 'third' },
    ],
    outputParameters: {},
  });

  it("takes each task's retries and timeouts from its task definition, else Conductor's defaults", () => {
    const taskDefs = new Map([
      ['a', { name: 'a', retryCount: 5, responseTimeoutSeconds: 60, retryLogic: 'LINEAR_BACKOFF' as const, retryDelaySeconds: 2, backoffScaleFactor: 3 }],
      ['c', { name: 'c', retryCount: 0, pollTimeoutSeconds: 30, timeoutSeconds: 600, timeoutPolicy: 'RETRY' as const }],
    ]);
    const defaults = {
      retryLogic: DEFAULT_RETRY_LOGIC,
      retryDelaySeconds: DEFAULT_RETRY_DELAY_SECONDS,
      backoffScaleFactor: DEFAULT_BACKOFF_SCALE_FACTOR,
      pollTimeoutSeconds: 0,
      timeoutSeconds: 0,
      timeoutPolicy: DEFAULT_TASK_TIMEOUT_POLICY,
    };
    expect(blueprintOf(def, taskDefs)).toEqual({
      name: 'w',
      version: 2,
      tasks: [
        {
          taskType: 'a',
          referenceTaskName: 'first',
          inputParameters: { id: '${workflow.input.id}' },
          ...defaults,
          retryCount: 5,
          responseTimeoutSeconds: 60,
          retryLogic: 'LINEAR_BACKOFF',
          retryDelaySeconds: 2,
          backoffScaleFactor: 3,
        },
        { taskType: 'b', referenceTaskName: 'second', inputParameters: {}, ...defaults, retryCount: DEFAULT_RETRY_COUNT, responseTimeoutSeconds: DEFAULT_RESPONSE_TIMEOUT_SECONDS },
        {
          taskType: 'c',
          referenceTaskName: 'third',
          inputParameters: {},
          ...defaults,
          retryCount: 0,
          responseTimeoutSeconds: DEFAULT_RESPONSE_TIMEOUT_SECONDS,
          pollTimeoutSeconds: 30,
          timeoutSeconds: 600,
          timeoutPolicy: 'RETRY',
        },
      ],
      outputParameters: null,
      timeoutSeconds: 0,
      timeoutPolicy: 'TIME_OUT_WF',
    });
  });

  it("takes the workflow's own timeout and policy from its definition", () => {
    const timed = validDef({ name: 'w', timeoutSeconds: 600, timeoutPolicy: 'ALERT_ONLY', tasks: [{ name: 'a', taskReferenceName: 'x' }] });
    expect(blueprintOf(timed, new Map())).toMatchObject({ timeoutSeconds: 600, timeoutPolicy: 'ALERT_ONLY' });
  });

  it("uses Conductor's defaults: 3 retries, 3600 s, FIXED 60 s apart, a task timeout that times the run out", () => {
    expect(DEFAULT_RETRY_COUNT).toBe(3);
    expect(DEFAULT_RESPONSE_TIMEOUT_SECONDS).toBe(3600);
    expect([DEFAULT_RETRY_LOGIC, DEFAULT_RETRY_DELAY_SECONDS, DEFAULT_BACKOFF_SCALE_FACTOR, DEFAULT_TASK_TIMEOUT_POLICY]).toEqual(['FIXED', 60, 1, 'TIME_OUT_WF']);
  });

  it('reads empty or absent outputParameters as none (the last task output), and keeps others', () => {
    const tasks = [{ name: 'a', taskReferenceName: 'x' }];
    expect(blueprintOf(validDef({ name: 'w', tasks, outputParameters: {} }), new Map()).outputParameters).toBeNull();
    expect(blueprintOf(validDef({ name: 'w', tasks }), new Map()).outputParameters).toBeNull();
    expect(blueprintOf(validDef({ name: 'w', tasks, outputParameters: { y: '${x.output.y}' } }), new Map()).outputParameters).toEqual({ y: '${x.output.y}' });
  });
});

describe('blueprintOf with system tasks', () => {
  const simple = (reference: string, name = reference) => ({ name, taskReferenceName: reference });
  const defaultsOf = (name: string) => ({ taskType: name, ...policyOf({}) });
  const child = (reference: string, subWorkflowParam: Record<string, unknown>) => ({ name: reference, taskReferenceName: reference, type: 'SUB_WORKFLOW', subWorkflowParam });
  const childDefs = new Map<string, WorkflowDef>([
    ['payment', validDef({ name: 'payment', version: 2, tasks: [simple('charge', 'charge_card'), child('receipt', { name: 'receipt' })] })],
    ['receipt', validDef({ name: 'receipt', version: 1, tasks: [simple('send', 'send_receipt')] })],
  ]);
  const resolver = (name: string, version: number | undefined) => {
    const def = childDefs.get(name);
    return def !== undefined && (version === undefined || version === def.version) ? def : undefined;
  };

  const def = validDef({
    name: 'order',
    tasks: [
      simple('first', 'a'),
      {
        name: 'split',
        taskReferenceName: 'split',
        type: 'FORK_JOIN',
        forkTasks: [
          [simple('left', 'b')],
          [
            simple('right', 'b'),
            {
              name: 'tier',
              taskReferenceName: 'tier',
              type: 'SWITCH',
              evaluatorType: 'value-param',
              expression: 'tier',
              inputParameters: { tier: '${workflow.input.tier}' },
              decisionCases: {
                gold: [
                  { name: 'inner', taskReferenceName: 'inner', type: 'FORK_JOIN', forkTasks: [[simple('g1', 'c')], [simple('g2', 'd')]] },
                  { name: 'inner_join', taskReferenceName: 'inner_join', type: 'JOIN', joinOn: ['g1', 'g2'] },
                ],
              },
              defaultCase: [simple('plain', 'e')],
            },
          ],
        ],
      },
      { name: 'meet', taskReferenceName: 'meet', type: 'JOIN', joinOn: ['left', 'tier'] },
      child('pay', { name: 'payment', taskToDomain: { charge_card: 'tenant_x,NO_DOMAIN' } }),
      simple('last', 'f'),
    ],
  });

  it('flattens the tree: each task before its branches and cases, control flow as indices, a sequence of the top level', () => {
    const blueprint = blueprintOf(def, new Map([['b', { name: 'b', retryCount: 7 }]]), resolver);
    expect(blueprint.tasks.map((task) => [task.referenceTaskName, task.taskType, task.kind])).toEqual([
      ['first', 'a', undefined],
      ['split', 'FORK', 'FORK_JOIN'],
      ['left', 'b', undefined],
      ['right', 'b', undefined],
      ['tier', 'SWITCH', 'SWITCH'],
      ['inner', 'FORK', 'FORK_JOIN'],
      ['g1', 'c', undefined],
      ['g2', 'd', undefined],
      ['inner_join', 'JOIN', 'JOIN'],
      ['plain', 'e', undefined],
      ['meet', 'JOIN', 'JOIN'],
      ['pay', 'SUB_WORKFLOW', 'SUB_WORKFLOW'],
      ['last', 'f', undefined],
    ]);
    expect(blueprint.sequence).toEqual([0, 1, 10, 11, 12]);
    expect(topSequenceOf(blueprint)).toEqual([0, 1, 10, 11, 12]);
    expect(blueprint.tasks[1]).toEqual({ kind: 'FORK_JOIN', taskType: 'FORK', referenceTaskName: 'split', inputParameters: {}, branches: [[2], [3, 4]] });
    expect(blueprint.tasks[4]).toEqual({
      kind: 'SWITCH',
      taskType: 'SWITCH',
      referenceTaskName: 'tier',
      inputParameters: { tier: '${workflow.input.tier}' },
      expression: 'tier',
      decisionCases: { gold: [5, 8] },
      defaultCase: [9],
    });
    expect(blueprint.tasks[5]).toMatchObject({ kind: 'FORK_JOIN', branches: [[6], [7]] });
    expect(blueprint.tasks[8]).toEqual({ kind: 'JOIN', taskType: 'JOIN', referenceTaskName: 'inner_join', inputParameters: {}, joinOn: ['g1', 'g2'] });
    expect(blueprint.tasks[10]).toMatchObject({ kind: 'JOIN', joinOn: ['left', 'tier'] });
  });

  it("gives SIMPLE tasks in branches their task definition's policy and today's shape (no kind)", () => {
    const blueprint = blueprintOf(def, new Map([['b', { name: 'b', retryCount: 7 }]]), resolver);
    expect(blueprint.tasks[2]).toEqual({ referenceTaskName: 'left', inputParameters: {}, ...defaultsOf('b'), retryCount: 7 });
    expect(blueprint.tasks[9]).toEqual({ referenceTaskName: 'plain', inputParameters: {}, ...defaultsOf('e') });
    expect(blueprint.tasks[2]).not.toHaveProperty('kind');
  });

  it("freezes the child's blueprint (the latest version when none is asked for, its own children too) and parses the child's map", () => {
    const pay = blueprintOf(def, new Map([['charge_card', { name: 'charge_card', retryCount: 1 }]]), resolver).tasks[11];
    if (pay.kind !== 'SUB_WORKFLOW') throw new Error('expected the SUB_WORKFLOW task');
    expect(pay.blueprint).toMatchObject({ name: 'payment', version: 2, outputParameters: null });
    expect(pay.blueprint.tasks[0]).toEqual({ referenceTaskName: 'charge', inputParameters: {}, ...defaultsOf('charge_card'), retryCount: 1 });
    expect(pay.blueprint.tasks[1]).toMatchObject({ kind: 'SUB_WORKFLOW', taskToDomain: null, blueprint: { name: 'receipt', tasks: [{ taskType: 'send_receipt' }] } });
    expect(pay.blueprint).not.toHaveProperty('sequence');
    expect(pay.taskToDomain).toEqual({ charge_card: { key: 'charge_card', value: 'tenant_x,NO_DOMAIN', domains: ['tenant_x'], fallsBackToNoDomain: true } });
  });

  it('names every SIMPLE task type once, its children\'s included', () => {
    expect(taskTypesOf(blueprintOf(def, new Map(), resolver))).toEqual(['a', 'b', 'c', 'd', 'e', 'charge_card', 'send_receipt', 'f']);
  });

  it('keeps the shape of runs of old for a workflow of SIMPLE tasks: no sequence, no kinds', () => {
    const blueprint = blueprintOf(validDef({ name: 'w', tasks: [simple('x', 'a'), simple('y', 'b')] }), new Map());
    expect(blueprint).not.toHaveProperty('sequence');
    expect(blueprint.tasks.every((task) => !('kind' in task))).toBe(true);
  });

  it('throws, clearly, for a definition with a SUB_WORKFLOW and no resolver', () => {
    expect(() => blueprintOf(def, new Map())).toThrow(/starts sub-workflows \(pay\).*SubWorkflowResolver/);
  });

  const refusals = (raw: unknown, subWorkflowOf: (name: string, version: number | undefined) => WorkflowDef | undefined, at?: string) => {
    const result = buildBlueprint(validDef(raw), new Map(), subWorkflowOf, at);
    if (result.ok) throw new Error('expected the blueprint to be refused');
    return result.errors;
  };

  it('refuses, at the SUB_WORKFLOW task, a child that is not registered (a version or any)', () => {
    expect(refusals({ name: 'w', tasks: [child('c', { name: 'nobody' })] }, () => undefined)).toEqual([
      { path: 'tasks[0].subWorkflowParam.name', message: 'no workflow named nobody is registered' },
    ]);
    expect(refusals({ name: 'w', tasks: [simple('x'), child('c', { name: 'payment', version: 9 })] }, resolver, '[1]')).toEqual([
      { path: '[1].tasks[1].subWorkflowParam.name', message: 'no version 9 of workflow payment is registered' },
    ]);
  });

  it('refuses a workflow that starts itself, directly or through another', () => {
    const selfish = validDef({ name: 'selfish', tasks: [child('again', { name: 'selfish' })] });
    expect(refusals(selfish, () => selfish)).toEqual([{ path: 'tasks[0].subWorkflowParam.name', message: 'selfish starts itself: sub-workflows may not cycle' }]);

    const a = validDef({ name: 'A', tasks: [child('to_b', { name: 'B' })] });
    const b = validDef({ name: 'B', tasks: [simple('work'), child('to_a', { name: 'A' })] });
    const cyclic = (name: string) => (name === 'A' ? a : name === 'B' ? b : undefined);
    expect(refusals(a, cyclic)).toEqual([
      { path: 'tasks[0].subWorkflowParam.name', message: 'B v1 tasks[1].subWorkflowParam.name: A starts itself through B: sub-workflows may not cycle' },
    ]);
  });

  it("refuses a child's map whose queue names would be too long for the child's task types", () => {
    const longTask = 't'.repeat(200);
    const childDef = validDef({ name: 'long', tasks: [simple('x', longTask)] });
    expect(refusals({ name: 'w', tasks: [child('c', { name: 'long', taskToDomain: { '*': 'd'.repeat(60) } })] }, () => childDef)).toEqual([
      { path: 'tasks[0].subWorkflowParam.taskToDomain.*', message: expect.stringContaining('RabbitMQ allows 255') },
    ]);
  });

  it('parses an empty child map as an empty map (it replaces the parent\'s), an absent one as none (the parent\'s applies)', () => {
    const childDef = validDef({ name: 'c', tasks: [simple('x')] });
    const blueprint = blueprintOf(validDef({ name: 'w', tasks: [child('given', { name: 'c', taskToDomain: {} }), child('absent', { name: 'c' })] }), new Map(), () => childDef);
    expect(blueprint.tasks.map((task) => (task.kind === 'SUB_WORKFLOW' ? task.taskToDomain : 'not a child'))).toEqual([{}, null]);
  });

  it('is plain data: it survives JSON as it is (it travels in WorkflowStarted)', () => {
    const blueprint: WorkflowBlueprint = blueprintOf(def, new Map(), resolver);
    expect(JSON.parse(JSON.stringify(blueprint))).toEqual(blueprint);
  });
});

describe('policyOf', () => {
  it("gives Conductor's defaults for a task of a run started before Turnout honoured retries and timeouts", () => {
    expect(policyOf({ retryCount: 1, responseTimeoutSeconds: 30 })).toEqual({
      retryCount: 1,
      retryLogic: 'FIXED',
      retryDelaySeconds: 60,
      backoffScaleFactor: 1,
      pollTimeoutSeconds: 0,
      responseTimeoutSeconds: 30,
      timeoutSeconds: 0,
      timeoutPolicy: 'TIME_OUT_WF',
    });
  });

  it('keeps what the task says, 0 included', () => {
    const policy: TaskPolicy = {
      retryCount: 0,
      retryLogic: 'EXPONENTIAL_BACKOFF',
      retryDelaySeconds: 0,
      backoffScaleFactor: 4,
      pollTimeoutSeconds: 5,
      responseTimeoutSeconds: 7,
      timeoutSeconds: 9,
      timeoutPolicy: 'ALERT_ONLY',
    };
    expect(policyOf(policy)).toEqual(policy);
  });
});

describe('retryDelaySeconds', () => {
  const policy = (retryLogic: RetryLogic, delaySeconds: number, backoffScaleFactor = 1): TaskPolicy => ({
    ...policyOf({}),
    retryLogic,
    retryDelaySeconds: delaySeconds,
    backoffScaleFactor,
  });

  it.each([
    // The attempt that failed was retry number retryCount (0: the first attempt).
    ['FIXED', 5, 1, 0, 5],
    ['FIXED', 5, 3, 2, 5],
    ['LINEAR_BACKOFF', 5, 1, 0, 5],
    ['LINEAR_BACKOFF', 5, 2, 0, 10],
    ['LINEAR_BACKOFF', 5, 2, 1, 20],
    ['LINEAR_BACKOFF', 5, 2, 2, 30],
    ['EXPONENTIAL_BACKOFF', 5, 1, 0, 5],
    ['EXPONENTIAL_BACKOFF', 5, 1, 1, 10],
    ['EXPONENTIAL_BACKOFF', 5, 1, 3, 40],
    ['EXPONENTIAL_BACKOFF', 0, 1, 3, 0],
  ] as const)('%s of %i s (scale %i) after retry %i waits %i s', (retryLogic, delaySeconds, scale, retryCount, expected) => {
    expect(retryDelaySeconds(policy(retryLogic, delaySeconds, scale), retryCount)).toBe(expected);
  });

  const anyPolicy = fc.record({
    retryLogic: fc.constantFrom(...RETRY_LOGICS),
    delaySeconds: fc.integer({ min: 0, max: 3_600 }),
    backoffScaleFactor: fc.integer({ min: 1, max: 10 }),
  });
  const anyRetryCount = fc.integer({ min: 0, max: 20 });

  it('FIXED waits retryDelaySeconds whatever the retryCount', () => {
    fc.assert(
      fc.property(anyPolicy, anyRetryCount, ({ delaySeconds, backoffScaleFactor }, retryCount) => {
        expect(retryDelaySeconds(policy('FIXED', delaySeconds, backoffScaleFactor), retryCount)).toBe(delaySeconds);
      }),
    );
  });

  it('never waits less than retryDelaySeconds, and never less for a later retry', () => {
    fc.assert(
      fc.property(anyPolicy, anyRetryCount, ({ retryLogic, delaySeconds, backoffScaleFactor }, retryCount) => {
        const of = policy(retryLogic, delaySeconds, backoffScaleFactor);
        expect(retryDelaySeconds(of, retryCount)).toBeGreaterThanOrEqual(delaySeconds);
        expect(retryDelaySeconds(of, retryCount + 1)).toBeGreaterThanOrEqual(retryDelaySeconds(of, retryCount));
      }),
    );
  });

  it('waits not at all when retryDelaySeconds is 0, whatever the logic', () => {
    fc.assert(
      fc.property(anyPolicy, anyRetryCount, ({ retryLogic, backoffScaleFactor }, retryCount) => {
        expect(retryDelaySeconds(policy(retryLogic, 0, backoffScaleFactor), retryCount)).toBe(0);
      }),
    );
  });
});
