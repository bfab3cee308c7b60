import {
  DEFAULT_RESPONSE_TIMEOUT_SECONDS,
  DEFAULT_RETRY_COUNT,
  type WorkflowDef,
  blueprintOf,
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
    ['an unsupported task type', { name: 'w', tasks: [{ name: 'a', taskReferenceName: 'x', type: 'FORK_JOIN' }] }, 'tasks[0].type', '"FORK_JOIN" is not supported'],
    ['inputParameters that are not an object', { name: 'w', tasks: [{ name: 'a', taskReferenceName: 'x', inputParameters: [1] }] }, 'tasks[0].inputParameters', 'must be an object'],
    ['version 0', { name: 'w', version: 0, tasks: [{ name: 'a', taskReferenceName: 'x' }] }, 'version', '1 or more'],
    ['a fractional version', { name: 'w', version: 1.5, tasks: [{ name: 'a', taskReferenceName: 'x' }] }, 'version', 'whole number'],
    ['outputParameters that are not an object', { name: 'w', tasks: [{ name: 'a', taskReferenceName: 'x' }], outputParameters: 'x' }, 'outputParameters', 'must be an object'],
  ])('refuses %s, naming the field %s', (_scenario, raw, field, reason) => {
    expect(errorsOf(raw)).toEqual([{ path: field, message: expect.stringContaining(reason) }]);
  });

  it.each([[null], ['w'], [[{ name: 'w' }]]])('refuses a body that is not an object: %j', (raw) => {
    expect(errorsOf(raw)).toEqual([{ path: 'body', message: expect.stringContaining('workflow definition object') }]);
  });

  it('lists every problem, not only the first', () => {
    const errors = errorsOf({
      version: -1,
      tasks: [
        { name: 'a', taskReferenceName: 'x' },
        { name: 'b,c', taskReferenceName: 'x', type: 'HTTP' },
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

  it("takes each task's retry count and response timeout from its task definition, else Conductor's defaults", () => {
    const taskDefs = new Map([
      ['a', { name: 'a', retryCount: 5, responseTimeoutSeconds: 60 }],
      ['c', { name: 'c', retryCount: 0 }],
    ]);
    expect(blueprintOf(def, taskDefs)).toEqual({
      name: 'w',
      version: 2,
      tasks: [
        { taskType: 'a', referenceTaskName: 'first', inputParameters: { id: '${workflow.input.id}' }, retryCount: 5, responseTimeoutSeconds: 60 },
        { taskType: 'b', referenceTaskName: 'second', inputParameters: {}, retryCount: DEFAULT_RETRY_COUNT, responseTimeoutSeconds: DEFAULT_RESPONSE_TIMEOUT_SECONDS },
        { taskType: 'c', referenceTaskName: 'third', inputParameters: {}, retryCount: 0, responseTimeoutSeconds: DEFAULT_RESPONSE_TIMEOUT_SECONDS },
      ],
      outputParameters: null,
    });
  });

  it("uses Conductor's defaults: 3 retries, 3600 s", () => {
    expect(DEFAULT_RETRY_COUNT).toBe(3);
    expect(DEFAULT_RESPONSE_TIMEOUT_SECONDS).toBe(3600);
  });

  it('reads empty or absent outputParameters as none (the last task output), and keeps others', () => {
    const tasks = [{ name: 'a', taskReferenceName: 'x' }];
    expect(blueprintOf(validDef({ name: 'w', tasks, outputParameters: {} }), new Map()).outputParameters).toBeNull();
    expect(blueprintOf(validDef({ name: 'w', tasks }), new Map()).outputParameters).toBeNull();
    expect(blueprintOf(validDef({ name: 'w', tasks, outputParameters: { y: '${x.output.y}' } }), new Map()).outputParameters).toEqual({ y: '${x.output.y}' });
  });
});
