import { type WorkflowDef, validateWorkflowDef } from './definition';
import { simpleTaskNamesOf, subWorkflowNamesOf, workflowTasksOf } from './workflow-task-defs';

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

const simple = (reference: string, name = reference) => ({ name, taskReferenceName: reference });
const fork = (reference: string, ...branches: unknown[][]) => ({ name: reference, taskReferenceName: reference, type: 'FORK_JOIN', forkTasks: branches });
const join = (reference: string, joinOn: string[]) => ({ name: reference, taskReferenceName: reference, type: 'JOIN', joinOn });
const switchOn = (reference: string, decisionCases: Record<string, unknown[]>, defaultCase?: unknown[]) => ({
  name: reference,
  taskReferenceName: reference,
  type: 'SWITCH',
  evaluatorType: 'value-param',
  expression: 'tier',
  inputParameters: { tier: '${workflow.input.tier}' },
  decisionCases,
  ...(defaultCase === undefined ? {} : { defaultCase }),
});
const inline = (reference: string, inputParameters: Record<string, unknown>) => ({ name: reference, taskReferenceName: reference, type: 'INLINE', inputParameters });
const jq = (reference: string, inputParameters: Record<string, unknown>) => ({ name: reference, taskReferenceName: reference, type: 'JSON_JQ_TRANSFORM', inputParameters });
const doWhile = (reference: string, loopOver: unknown[]) => ({ name: reference, taskReferenceName: reference, type: 'DO_WHILE', loopCondition: `$.${reference}.iteration < 3`, loopOver });
const child = (reference: string, subWorkflowParam: unknown) => ({ name: reference, taskReferenceName: reference, type: 'SUB_WORKFLOW', subWorkflowParam });
const workflow = (...tasks: unknown[]) => ({ name: 'w', tasks });

describe('validateWorkflowDef with script tasks and loops', () => {
  it('accepts INLINE, JSON_JQ_TRANSFORM, a javascript SWITCH and a DO_WHILE, and finds the tasks inside a loop', () => {
    const def = validDef(
      workflow(
        inline('calc', { evaluatorType: 'graaljs', expression: '$.x + 1', x: 1 }),
        jq('shape', { queryExpression: '.a', a: 1 }),
        { ...switchOn('js_switch', { big: [simple('big_task', 'b')] }), evaluatorType: 'javascript', expression: '$.tier > 1 ? "big" : "small"' },
        doWhile('loop', [simple('work', 'worker_task'), child('sub', { name: 'payment' })]),
      ),
    );
    expect(def.tasks[2]).toMatchObject({ evaluatorType: 'javascript' });
    expect(def.tasks[3]).toMatchObject({ type: 'DO_WHILE', loopCondition: '$.loop.iteration < 3', loopOver: [{ taskReferenceName: 'work' }, { taskReferenceName: 'sub' }] });
    expect([...workflowTasksOf(def.tasks, 'tasks')].map(({ path }) => path)).toContain('tasks[3].loopOver[0]');
    expect(simpleTaskNamesOf(def)).toEqual(['b', 'worker_task']);
    expect(subWorkflowNamesOf(def)).toEqual([{ name: 'payment', path: 'tasks[3].loopOver[1]' }]);
  });
});

describe('validateWorkflowDef with system tasks', () => {
  it('accepts a fork with its join, a switch with cases and a default, and a sub-workflow, filling in defaults', () => {
    const def = validDef(
      workflow(
        simple('first', 'a'),
        fork('split', [simple('left', 'b')], [simple('right', 'b'), simple('right_2', 'c')]),
        join('meet', ['left', 'right_2']),
        switchOn('tier_switch', { gold: [simple('gold_task', 'd')], silver: [] }, [simple('plain_task', 'e')]),
        child('child', { name: 'payment', version: 2, taskToDomain: { '*': 'tenant_x,NO_DOMAIN' } }),
      ),
    );
    expect(def.tasks).toEqual([
      { name: 'a', taskReferenceName: 'first', type: 'SIMPLE', inputParameters: {} },
      {
        name: 'split',
        taskReferenceName: 'split',
        type: 'FORK_JOIN',
        inputParameters: {},
        forkTasks: [
          [{ name: 'b', taskReferenceName: 'left', type: 'SIMPLE', inputParameters: {} }],
          [
            { name: 'b', taskReferenceName: 'right', type: 'SIMPLE', inputParameters: {} },
            { name: 'c', taskReferenceName: 'right_2', type: 'SIMPLE', inputParameters: {} },
          ],
        ],
      },
      { name: 'meet', taskReferenceName: 'meet', type: 'JOIN', inputParameters: {}, joinOn: ['left', 'right_2'] },
      {
        name: 'tier_switch',
        taskReferenceName: 'tier_switch',
        type: 'SWITCH',
        evaluatorType: 'value-param',
        expression: 'tier',
        inputParameters: { tier: '${workflow.input.tier}' },
        decisionCases: { gold: [{ name: 'd', taskReferenceName: 'gold_task', type: 'SIMPLE', inputParameters: {} }], silver: [] },
        defaultCase: [{ name: 'e', taskReferenceName: 'plain_task', type: 'SIMPLE', inputParameters: {} }],
      },
      {
        name: 'child',
        taskReferenceName: 'child',
        type: 'SUB_WORKFLOW',
        inputParameters: {},
        subWorkflowParam: { name: 'payment', version: 2, taskToDomain: { '*': 'tenant_x,NO_DOMAIN' } },
      },
    ]);
  });

  it("accepts what Conductor's JavaScript SDK writes: a JOIN with joinOn [], a SWITCH with no default, a sub-workflow with no version", () => {
    const def = validDef(
      workflow(
        fork('split', [simple('left')]),
        { name: 'split_join', taskReferenceName: 'split_join_ref', type: 'JOIN', inputParameters: {}, joinOn: [] },
        switchOn('tier_switch', {}),
        { ...child('child', { name: 'payment' }), optional: false, subWorkflowParam: { name: 'payment', version: null } },
      ),
    );
    expect(def.tasks[1].joinOn).toEqual([]);
    expect(def.tasks[2].defaultCase).toEqual([]);
    expect(def.tasks[3]).toMatchObject({ optional: false, subWorkflowParam: { name: 'payment' } });
    expect(def.tasks[3].subWorkflowParam).not.toHaveProperty('version');
  });

  it('accepts a JOIN with no joinOn, as none', () => {
    expect(validDef(workflow(fork('split', [simple('left')]), { name: 'meet', taskReferenceName: 'meet', type: 'JOIN' })).tasks[1].joinOn).toEqual([]);
  });

  it('accepts nested control flow: a fork inside a switch case, a switch inside a branch, joinOn naming a task at any depth of its fork', () => {
    const def = validDef(
      workflow(
        switchOn('outer', { gold: [fork('inner_fork', [simple('x')], [switchOn('inner_switch', { a: [simple('y')] })]), join('inner_join', ['x', 'y'])] }),
      ),
    );
    expect(def.tasks[0].decisionCases?.gold.map((task) => task.type)).toEqual(['FORK_JOIN', 'JOIN']);
  });

  it.each([
    // Reference names
    ['a reference name used again in a branch', workflow(simple('x'), fork('f', [simple('x')]), join('j', [])), 'tasks[1].forkTasks[0][0].taskReferenceName', '"x" is used by an earlier task'],
    [
      'a reference name used again in another case',
      workflow(switchOn('s', { gold: [simple('x')] }, [simple('x')])),
      'tasks[0].defaultCase[0].taskReferenceName',
      '"x" is used by an earlier task',
    ],
    ['a system task with no name', workflow({ taskReferenceName: 'f', type: 'FORK_JOIN', forkTasks: [[simple('a')]] }, join('j', [])), 'tasks[0].name', 'must be a string'],
    ['a nested task with a bad name', workflow(switchOn('s', { gold: [simple('g', 'a@b')] })), 'tasks[0].decisionCases.gold[0].name', '"@"'],
    // Types
    ['an unknown type', workflow({ ...simple('h'), type: 'KAFKA_PUBLISH' }), 'tasks[0].type', 'Turnout runs SIMPLE, SUB_WORKFLOW, FORK_JOIN, JOIN, SWITCH, SET_VARIABLE, TERMINATE, WAIT, INLINE, JSON_JQ_TRANSFORM, DO_WHILE, START_WORKFLOW and HTTP tasks'],
    ['a type that is not text', workflow({ ...simple('h'), type: 7 }), 'tasks[0].type', '"7" is not supported'],
    ["Conductor's deprecated DECISION", workflow({ ...simple('d'), type: 'DECISION', caseValueParam: 'x', decisionCases: {} }), 'tasks[0].type', 'use SWITCH'],
    // FORK_JOIN
    ['a FORK_JOIN with no forkTasks', workflow({ ...simple('f'), type: 'FORK_JOIN' }, join('j', [])), 'tasks[0].forkTasks', 'non-empty array of branches'],
    ['a FORK_JOIN with no branches', workflow(fork('f'), join('j', [])), 'tasks[0].forkTasks', 'non-empty array of branches'],
    ['a FORK_JOIN with an empty branch', workflow(fork('f', [simple('a')], []), join('j', [])), 'tasks[0].forkTasks[1]', 'non-empty array of tasks'],
    ['a FORK_JOIN whose branch is not an array', workflow({ ...fork('f'), forkTasks: [simple('a')] }, join('j', [])), 'tasks[0].forkTasks[0]', 'non-empty array of tasks'],
    ['a FORK_JOIN not followed by a JOIN', workflow(fork('f', [simple('a')]), simple('b')), 'tasks[0]', 'must be followed by a JOIN'],
    ['a FORK_JOIN last in its sequence', workflow(simple('b'), fork('f', [simple('a')])), 'tasks[1]', 'must be followed by a JOIN'],
    ['a bad task inside a branch', workflow(fork('f', [simple('a'), { name: 'b' }]), join('j', [])), 'tasks[0].forkTasks[0][1].taskReferenceName', 'non-empty string'],
    // JOIN
    ['a JOIN with no FORK_JOIN before it', workflow(simple('a'), join('j', ['a'])), 'tasks[1]', 'must directly follow the FORK_JOIN'],
    ['a joinOn that is not an array', workflow(fork('f', [simple('a')]), { ...join('j', []), joinOn: 'a' }), 'tasks[1].joinOn', 'array of task reference names'],
    ['a joinOn entry that is not text', workflow(fork('f', [simple('a')]), { ...join('j', []), joinOn: ['a', 3] }), 'tasks[1].joinOn[1]', 'non-empty string'],
    ['a joinOn naming no task', workflow(fork('f', [simple('a')]), join('j', ['a', 'nowhere'])), 'tasks[1].joinOn[1]', 'no task has the reference name "nowhere"'],
    [
      'a joinOn naming a task outside the fork',
      workflow(simple('before'), fork('f', [simple('a')]), join('j', ['before'])),
      'tasks[2].joinOn[0]',
      '"before" is not a task in the branches of the FORK_JOIN "f"',
    ],
    [
      'a joinOn naming a task of a later fork',
      workflow(fork('f', [simple('a')]), join('j', ['b']), fork('g', [simple('b')]), join('k', ['b'])),
      'tasks[1].joinOn[0]',
      '"b" is not a task in the branches of the FORK_JOIN "f"',
    ],
    // SWITCH
    ['a SWITCH with no evaluatorType', workflow({ ...switchOn('s', {}), evaluatorType: undefined }), 'tasks[0].evaluatorType', 'must be "value-param"'],
    ['a SWITCH with an unknown evaluatorType', workflow({ ...switchOn('s', {}), evaluatorType: 'jq' }), 'tasks[0].evaluatorType', 'must be "value-param"'],
    ['a javascript SWITCH with no expression', workflow({ ...switchOn('s', {}), evaluatorType: 'javascript', expression: '' }), 'tasks[0].expression', 'a javascript expression over $'],
    // INLINE
    ['an INLINE with no evaluatorType', workflow(inline('i', { expression: '1' })), 'tasks[0].inputParameters.evaluatorType', 'must be one of javascript, graaljs, value-param'],
    ['an INLINE with a python evaluatorType', workflow(inline('i', { evaluatorType: 'python', expression: '1' })), 'tasks[0].inputParameters.evaluatorType', 'must be one of'],
    ['an INLINE with no expression', workflow(inline('i', { evaluatorType: 'javascript' })), 'tasks[0].inputParameters.expression', 'non-empty string'],
    ['an INLINE with only its expression', workflow({ ...simple('i'), type: 'INLINE', inputParameters: { expression: '1' } }), 'tasks[0].inputParameters.evaluatorType', 'must be one of'],
    // JSON_JQ_TRANSFORM
    ['a JSON_JQ_TRANSFORM with no queryExpression', workflow(jq('q', { key: 1 })), 'tasks[0].inputParameters.queryExpression', 'the jq query'],
    ['a JSON_JQ_TRANSFORM with a blank queryExpression', workflow(jq('q', { queryExpression: ' ' })), 'tasks[0].inputParameters.queryExpression', 'non-empty string'],
    // DO_WHILE
    ['a DO_WHILE with no loopCondition', workflow({ ...doWhile('l', [simple('a')]), loopCondition: undefined }), 'tasks[0].loopCondition', 'javascript condition over $'],
    ['a DO_WHILE with no loopOver', workflow({ ...doWhile('l', []), loopOver: undefined }), 'tasks[0].loopOver', 'non-empty array of tasks'],
    ['a DO_WHILE with an empty loopOver', workflow(doWhile('l', [])), 'tasks[0].loopOver', 'non-empty array of tasks'],
    ['a bad task in a loopOver', workflow(doWhile('l', [{ taskReferenceName: 'z' }])), 'tasks[0].loopOver[0].name', 'must be a string'],
    ['a DO_WHILE in a loopOver', workflow(doWhile('l', [simple('a'), doWhile('inner', [simple('b')])])), 'tasks[0].loopOver[1].type', 'a DO_WHILE inside the loopOver of another (tasks[0]) is not supported'],
    ['a DO_WHILE in a case of a loop', workflow(doWhile('l', [switchOn('s', { gold: [doWhile('inner', [simple('b')])] })])), 'tasks[0].loopOver[0].decisionCases.gold[0].type', 'is not supported'],
    ['a reference name used in a loop and outside', workflow(simple('a'), doWhile('l', [simple('a')])), 'tasks[1].loopOver[0].taskReferenceName', 'used by an earlier task'],
    ['a SWITCH with no expression', workflow({ ...switchOn('s', {}), expression: undefined }), 'tasks[0].expression', 'non-empty string'],
    ['a SWITCH with a blank expression', workflow({ ...switchOn('s', {}), expression: ' ' }), 'tasks[0].expression', 'non-empty string'],
    ['a SWITCH with no decisionCases', workflow({ ...switchOn('s', {}), decisionCases: undefined }), 'tasks[0].decisionCases', 'must be an object'],
    ['a SWITCH whose decisionCases are a list', workflow({ ...switchOn('s', {}), decisionCases: [[simple('a')]] }), 'tasks[0].decisionCases', 'must be an object'],
    ['a case that is not an array', workflow(switchOn('s', { gold: simple('a') as never })), 'tasks[0].decisionCases.gold', 'must be an array of tasks'],
    ['a defaultCase that is not an array', workflow({ ...switchOn('s', {}), defaultCase: {} }), 'tasks[0].defaultCase', 'must be an array of tasks'],
    ['a bad task in the defaultCase', workflow(switchOn('s', {}, [{ taskReferenceName: 'z' }])), 'tasks[0].defaultCase[0].name', 'must be a string'],
    ['a FORK_JOIN in a case with no JOIN', workflow(switchOn('s', { gold: [fork('f', [simple('a')])] })), 'tasks[0].decisionCases.gold[0]', 'must be followed by a JOIN'],
    // SUB_WORKFLOW
    ['a SUB_WORKFLOW with no subWorkflowParam', workflow({ ...simple('c'), type: 'SUB_WORKFLOW' }), 'tasks[0].subWorkflowParam', 'must be an object'],
    ['a SUB_WORKFLOW with no name', workflow(child('c', { version: 1 })), 'tasks[0].subWorkflowParam.name', 'must be a string'],
    ['a SUB_WORKFLOW with a bad name', workflow(child('c', { name: 'a,b' })), 'tasks[0].subWorkflowParam.name', '","'],
    ['a SUB_WORKFLOW with version 0', workflow(child('c', { name: 'p', version: 0 })), 'tasks[0].subWorkflowParam.version', '1 or more'],
    ['a SUB_WORKFLOW with a version that is text', workflow(child('c', { name: 'p', version: '2' })), 'tasks[0].subWorkflowParam.version', 'whole number'],
    ['a SUB_WORKFLOW with a taskToDomain that is a list', workflow(child('c', { name: 'p', taskToDomain: ['a'] })), 'tasks[0].subWorkflowParam.taskToDomain', 'must be an object'],
    [
      'a SUB_WORKFLOW with a bad taskToDomain rule',
      workflow(child('c', { name: 'p', taskToDomain: { t: 'NO_DOMAIN,blue' } })),
      'tasks[0].subWorkflowParam.taskToDomain.t',
      'NO_DOMAIN may only be the last',
    ],
    ['a SUB_WORKFLOW with an embedded definition', workflow(child('c', { name: 'p', workflowDefinition: { name: 'p' } })), 'tasks[0].subWorkflowParam.workflowDefinition', 'register the child'],
    [
      'a SUB_WORKFLOW in a branch with a bad name',
      workflow(fork('f', [simple('a')], [child('c', { name: '' })]), join('j', [])),
      'tasks[0].forkTasks[1][0].subWorkflowParam.name',
      'must not be empty',
    ],
  ])('refuses %s, naming %s', (_scenario, raw, field, reason) => {
    expect(errorsOf(raw)).toEqual([{ path: field, message: expect.stringContaining(reason) }]);
  });

  it('prefixes the paths of nested tasks of an embedded definition', () => {
    expect(errorsOf(workflow(fork('f', [simple('a')], [simple('a')]), join('j', [])), 'workflowDef')).toEqual([
      { path: 'workflowDef.tasks[0].forkTasks[1][0].taskReferenceName', message: expect.stringContaining('"a" is used') },
    ]);
  });

  it('lists every problem across branches and cases', () => {
    const errors = errorsOf(workflow(fork('f', [{ name: 'a' }], [simple('b', '')]), join('j', ['zz']), switchOn('s', { x: [{ ...simple('c'), type: 'KAFKA_PUBLISH' }] })));
    expect(errors.map((error) => error.path)).toEqual([
      'tasks[0].forkTasks[0][0].taskReferenceName',
      'tasks[0].forkTasks[1][0].name',
      'tasks[2].decisionCases.x[0].type',
    ]);
  });
});

describe('workflowTasksOf, subWorkflowNamesOf, simpleTaskNamesOf', () => {
  const def = validDef(
    workflow(
      child('top_child', { name: 'first' }),
      fork('f', [simple('a', 'task_a'), child('branch_child', { name: 'second', version: 3 })], [simple('b', 'task_a')]),
      join('j', ['a', 'b']),
      switchOn('s', { gold: [simple('g', 'task_g')] }, [child('default_child', { name: 'first' })]),
    ),
  );

  it('walks every task with its path, each before its branches and cases', () => {
    expect([...workflowTasksOf(def.tasks, 'tasks')].map(({ task, path }) => [task.taskReferenceName, path])).toEqual([
      ['top_child', 'tasks[0]'],
      ['f', 'tasks[1]'],
      ['a', 'tasks[1].forkTasks[0][0]'],
      ['branch_child', 'tasks[1].forkTasks[0][1]'],
      ['b', 'tasks[1].forkTasks[1][0]'],
      ['j', 'tasks[2]'],
      ['s', 'tasks[3]'],
      ['g', 'tasks[3].decisionCases.gold[0]'],
      ['default_child', 'tasks[3].defaultCase[0]'],
    ]);
  });

  it('names the sub-workflows a definition starts, with the version asked for and where', () => {
    expect(subWorkflowNamesOf(def)).toEqual([
      { name: 'first', path: 'tasks[0]' },
      { name: 'second', version: 3, path: 'tasks[1].forkTasks[0][1]' },
      { name: 'first', path: 'tasks[3].defaultCase[0]' },
    ]);
  });

  it('names the task types of its SIMPLE tasks once each', () => {
    expect(simpleTaskNamesOf(def)).toEqual(['task_a', 'task_g']);
  });
});
