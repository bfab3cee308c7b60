import type { WorkflowDef } from '@turnout/domain';
import { migratedDatabaseForSuite } from '../../../test/support/migrated-database';
import { findWorkflowDefinition } from './find-workflow-definition';
import { findWorkflowDefinitionWithTasks } from './find-workflow-definition-with-tasks';
import { saveTaskDefinitions } from './save-task-definitions';
import { saveWorkflowDefinition } from './save-workflow-definition';

describe('saveWorkflowDefinition / findWorkflowDefinition', () => {
  const fixture = migratedDatabaseForSuite('metadata');

  const definition = (version: number, description: string): WorkflowDef => ({
    name: 'greeting',
    version,
    description,
    tasks: [{ name: 'hello_world', taskReferenceName: 'hello', type: 'SIMPLE', inputParameters: {} }],
  });

  it('creates once, refuses to overwrite unless asked', async () => {
    expect(await saveWorkflowDefinition(fixture.db, definition(1, 'first'), false)).toBe(true);
    expect(await saveWorkflowDefinition(fixture.db, definition(1, 'second'), false)).toBe(false);
    expect((await findWorkflowDefinition(fixture.db, 'greeting', 1))?.description).toBe('first');

    expect(await saveWorkflowDefinition(fixture.db, definition(1, 'third'), true)).toBe(true);
    expect((await findWorkflowDefinition(fixture.db, 'greeting', 1))?.description).toBe('third');
  });

  it('finds the latest version when none is asked for, and nothing for an unknown name', async () => {
    await saveWorkflowDefinition(fixture.db, definition(3, 'v3'), false);
    await saveWorkflowDefinition(fixture.db, definition(2, 'v2'), false);
    expect((await findWorkflowDefinition(fixture.db, 'greeting'))?.version).toBe(3);
    expect(await findWorkflowDefinition(fixture.db, 'nobody')).toBeUndefined();
  });
});

describe('findWorkflowDefinitionWithTasks', () => {
  const fixture = migratedDatabaseForSuite('metadata_tasks');

  it('answers the definition with the task definitions it names, and only those', async () => {
    await saveTaskDefinitions(fixture.db, [{ name: 'hello_world', retryCount: 7 }, { name: 'unrelated', retryCount: 1 }]);
    await saveWorkflowDefinition(
      fixture.db,
      {
        name: 'with_tasks',
        version: 1,
        tasks: [
          { name: 'hello_world', taskReferenceName: 'a', type: 'SIMPLE', inputParameters: {} },
          { name: 'no_taskdef', taskReferenceName: 'b', type: 'SIMPLE', inputParameters: {} },
        ],
      },
      false,
    );
    const found = await findWorkflowDefinitionWithTasks(fixture.db, 'with_tasks');
    expect(found?.definition.tasks).toHaveLength(2);
    expect([...(found?.taskDefs.keys() ?? [])]).toEqual(['hello_world']);
    expect(found?.taskDefs.get('hello_world')?.retryCount).toBe(7);
    expect(await findWorkflowDefinitionWithTasks(fixture.db, 'with_tasks', 2)).toBeUndefined();
  });

  it('answers the task definitions of tasks inside branches and cases too, and not names that are no task', async () => {
    await saveTaskDefinitions(fixture.db, [
      { name: 'in_branch', retryCount: 2 },
      { name: 'in_case', retryCount: 3 },
      { name: 'an_input', retryCount: 4 },
      { name: 'a_child', retryCount: 5 },
    ]);
    const simple = (name: string) => ({ name, taskReferenceName: name, type: 'SIMPLE' as const, inputParameters: { name: 'an_input' } });
    await saveWorkflowDefinition(
      fixture.db,
      {
        name: 'nested_tasks',
        version: 1,
        tasks: [
          { name: 'split', taskReferenceName: 'split', type: 'FORK_JOIN', inputParameters: {}, forkTasks: [[simple('in_branch')]] },
          { name: 'meet', taskReferenceName: 'meet', type: 'JOIN', inputParameters: {}, joinOn: [] },
          { name: 's', taskReferenceName: 's', type: 'SWITCH', inputParameters: {}, expression: 'x', decisionCases: { a: [simple('in_case')] }, defaultCase: [] },
          { name: 'c', taskReferenceName: 'c', type: 'SUB_WORKFLOW', inputParameters: {}, subWorkflowParam: { name: 'a_child' } },
        ],
      },
      false,
    );
    const found = await findWorkflowDefinitionWithTasks(fixture.db, 'nested_tasks');
    expect([...(found?.taskDefs.keys() ?? [])].sort()).toEqual(['in_branch', 'in_case']);
  });
});
