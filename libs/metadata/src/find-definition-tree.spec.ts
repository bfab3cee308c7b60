import { type WorkflowDef, type WorkflowTaskDef, taskTypesOf } from '@turnout/domain';
import { migratedDatabaseForSuite } from '../../../test/support/migrated-database';
import { findBlueprint, findDefinitionTree } from './find-definition-tree';
import { saveTaskDefinitions } from './save-task-definitions';
import { saveWorkflowDefinition } from './save-workflow-definition';

const simple = (name: string, reference = name): WorkflowTaskDef => ({ name, taskReferenceName: reference, type: 'SIMPLE', inputParameters: {} });
const child = (reference: string, name: string, version?: number): WorkflowTaskDef => ({
  name: reference,
  taskReferenceName: reference,
  type: 'SUB_WORKFLOW',
  inputParameters: {},
  subWorkflowParam: version === undefined ? { name } : { name, version },
});
const workflow = (name: string, version: number, tasks: WorkflowTaskDef[]): WorkflowDef => ({ name, version, tasks });

describe('findDefinitionTree / findBlueprint', () => {
  const fixture = migratedDatabaseForSuite('metadata_tree');
  let counter = 0;
  /** Names of this test's own, so that no test sees another's definitions. */
  const unique = (label: string) => `${label}_${++counter}`;

  it("loads the children of a definition, theirs (the latest version unless one is asked for), and every task definition of the tree", async () => {
    const [parent, payment, receipt] = [unique('parent'), unique('payment'), unique('receipt')];
    await saveTaskDefinitions(fixture.db, [
      { name: 'charge_card', retryCount: 5 },
      { name: 'send_receipt', retryCount: 1 },
      { name: 'in_branch', retryCount: 2 },
    ]);
    await saveWorkflowDefinition(fixture.db, workflow(receipt, 1, [simple('send_receipt')]), false);
    await saveWorkflowDefinition(fixture.db, workflow(payment, 1, [simple('old_task')]), false);
    await saveWorkflowDefinition(fixture.db, workflow(payment, 2, [simple('charge_card'), child('receipt', receipt, 1)]), false);
    const definition = workflow(parent, 1, [
      {
        name: 'split',
        taskReferenceName: 'split',
        type: 'FORK_JOIN',
        inputParameters: {},
        forkTasks: [[simple('in_branch')], [child('pay', payment)]],
      },
      { name: 'meet', taskReferenceName: 'meet', type: 'JOIN', inputParameters: {}, joinOn: ['in_branch', 'pay'] },
      child('pay_again', payment),
    ]);

    const tree = await findDefinitionTree(fixture.db, definition);
    expect([...tree.taskDefs.keys()].sort()).toEqual(['charge_card', 'in_branch', 'send_receipt']);
    expect(tree.subWorkflowOf(payment, undefined)?.version).toBe(2);
    expect(tree.subWorkflowOf(receipt, 1)?.name).toBe(receipt);
    expect(tree.subWorkflowOf(payment, 1)).toBeUndefined();

    const blueprint = await findBlueprint(fixture.db, definition);
    if (!blueprint.ok) throw new Error(JSON.stringify(blueprint.errors));
    expect(taskTypesOf(blueprint.value)).toEqual(['in_branch', 'charge_card', 'send_receipt']);
    const pay = blueprint.value.tasks.find((task) => task.referenceTaskName === 'pay');
    expect(pay).toMatchObject({ kind: 'SUB_WORKFLOW', blueprint: { name: payment, version: 2, tasks: [{ taskType: 'charge_card', retryCount: 5 }, { kind: 'SUB_WORKFLOW' }] } });
  });

  it('refuses a child that is not registered, at the path of its SUB_WORKFLOW task', async () => {
    const [parent, missing] = [unique('parent'), unique('missing')];
    const definition = workflow(parent, 1, [simple('a'), child('nowhere', missing)]);
    expect(await findBlueprint(fixture.db, definition, '[0]')).toEqual({
      ok: false,
      errors: [{ path: '[0].tasks[1].subWorkflowParam.name', message: `no workflow named ${missing} is registered` }],
    });
  });

  it('refuses, and stops reading at, a cycle: A starts B, which starts A', async () => {
    const [a, b] = [unique('A'), unique('B')];
    await saveWorkflowDefinition(fixture.db, workflow(b, 1, [child('back_to_a', a)]), false);
    const definitionOfA = workflow(a, 1, [child('to_b', b)]);
    await saveWorkflowDefinition(fixture.db, definitionOfA, false);

    const result = await findBlueprint(fixture.db, definitionOfA);
    expect(result).toEqual({
      ok: false,
      errors: [{ path: 'tasks[0].subWorkflowParam.name', message: expect.stringContaining(`${a} starts itself through ${b}: sub-workflows may not cycle`) }],
    });
  });

  it('reads only the task definitions of a definition without children', async () => {
    await saveTaskDefinitions(fixture.db, [{ name: 'lonely_task', retryCount: 4 }]);
    const tree = await findDefinitionTree(fixture.db, workflow(unique('plain'), 1, [simple('lonely_task'), simple('no_definition')]));
    expect([...tree.taskDefs.entries()]).toEqual([['lonely_task', { name: 'lonely_task', retryCount: 4 }]]);
  });
});
