import type { SimpleBlueprintTask, TaskRun, WorkflowBlueprint } from '@turnout/domain';
import { orderBlueprint } from './control-flow-run.test-support';
import { chosenCaseOf, placementOfAttempt, placementsOf } from './task-placement';

const simple = (referenceTaskName: string): SimpleBlueprintTask => ({ taskType: 't', referenceTaskName, inputParameters: {}, retryCount: 0, responseTimeoutSeconds: 30 });

describe('placementsOf', () => {
  it('places a nested fork in its outer branch and its own tasks in its branches, and the tasks of every case in its switch', () => {
    // outer ─┬─ a
    //        └─ inner ─┬─ b        then pick: x → c, default → d
    //                  └─ e
    const blueprint: WorkflowBlueprint = {
      name: 'nested',
      version: 1,
      tasks: [
        { kind: 'FORK_JOIN', taskType: 'FORK', referenceTaskName: 'outer', inputParameters: {}, branches: [[1], [2]] },
        simple('a'),
        { kind: 'FORK_JOIN', taskType: 'FORK', referenceTaskName: 'inner', inputParameters: {}, branches: [[3], [4]] },
        simple('b'),
        simple('e'),
        { kind: 'JOIN', taskType: 'JOIN', referenceTaskName: 'join', inputParameters: {}, joinOn: ['a', 'b', 'e'] },
        { kind: 'SWITCH', taskType: 'SWITCH', referenceTaskName: 'pick', inputParameters: {}, expression: 'p', decisionCases: { x: [7] }, defaultCase: [8] },
        simple('c'),
        simple('d'),
      ],
      sequence: [0, 5, 6],
      outputParameters: null,
    };
    expect([...placementsOf(blueprint)].sort(([left], [right]) => left - right)).toEqual([
      [1, { type: 'FORK_JOIN', taskReferenceName: 'outer', branch: 0 }],
      [2, { type: 'FORK_JOIN', taskReferenceName: 'outer', branch: 1 }],
      [3, { type: 'FORK_JOIN', taskReferenceName: 'inner', branch: 0 }],
      [4, { type: 'FORK_JOIN', taskReferenceName: 'inner', branch: 1 }],
      [7, { type: 'SWITCH', taskReferenceName: 'pick', decisionCase: 'x' }],
      [8, { type: 'SWITCH', taskReferenceName: 'pick', decisionCase: null }],
    ]);
  });

  it("places a loop's tasks in their DO_WHILE, a case inside it in its switch", () => {
    const blueprint: WorkflowBlueprint = {
      name: 'looped',
      version: 1,
      tasks: [
        { kind: 'DO_WHILE', taskType: 'DO_WHILE', referenceTaskName: 'loop', inputParameters: {}, loopCondition: 'false', loopOver: [1, 2] },
        simple('a'),
        { kind: 'SWITCH', taskType: 'SWITCH', referenceTaskName: 'pick', inputParameters: {}, expression: 'p', decisionCases: { x: [3] }, defaultCase: [] },
        simple('c'),
      ],
      sequence: [0],
      outputParameters: null,
    };
    expect([...placementsOf(blueprint)].sort(([left], [right]) => left - right)).toEqual([
      [1, { type: 'DO_WHILE', taskReferenceName: 'loop' }],
      [2, { type: 'DO_WHILE', taskReferenceName: 'loop' }],
      [3, { type: 'SWITCH', taskReferenceName: 'pick', decisionCase: 'x' }],
    ]);
  });

  it("names an iteration's own fork or switch as the container of a loop task's attempt", () => {
    const inLoop = { iteration: 2 } as TaskRun;
    expect(placementOfAttempt({ type: 'SWITCH', taskReferenceName: 'pick', decisionCase: 'x' }, inLoop)).toEqual({ type: 'SWITCH', taskReferenceName: 'pick__2', decisionCase: 'x' });
    expect(placementOfAttempt({ type: 'DO_WHILE', taskReferenceName: 'loop' }, inLoop)).toEqual({ type: 'DO_WHILE', taskReferenceName: 'loop' });
    expect(placementOfAttempt({ type: 'SWITCH', taskReferenceName: 'pick', decisionCase: null }, {} as TaskRun)).toEqual({ type: 'SWITCH', taskReferenceName: 'pick', decisionCase: null });
  });

  it('places nothing in a blueprint without control flow', () => {
    expect(placementsOf({ name: 'plain', version: 1, tasks: [simple('a'), simple('b')], outputParameters: null }).size).toBe(0);
  });
});

describe('chosenCaseOf', () => {
  const route = 5; // orderBlueprint's SWITCH, with the decision case gold
  const attempt = (taskIndex: number, outputData: Record<string, unknown>, status: TaskRun['status'] = 'COMPLETED') => ({ taskIndex, outputData, status }) as TaskRun;

  it('names the decision case the evaluation matched, and null (the default case) for a value no case has', () => {
    expect(chosenCaseOf(orderBlueprint, attempt(route, { evaluationResult: ['gold'] }))).toBe('gold');
    expect(chosenCaseOf(orderBlueprint, attempt(route, { evaluationResult: ['silver'] }))).toBeNull();
  });

  it('says nothing of a task that is no SWITCH, or a SWITCH that has not completed', () => {
    expect(chosenCaseOf(orderBlueprint, attempt(0, { evaluationResult: ['gold'] }))).toBeUndefined();
    expect(chosenCaseOf(orderBlueprint, attempt(route, {}, 'CANCELED'))).toBeUndefined();
  });
});
