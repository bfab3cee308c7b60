import type { WorkflowDef } from '@turnout/domain';
import { migratedDatabaseForSuite } from '../../../test/support/migrated-database';
import { deleteWorkflowDefinition } from './delete-workflow-definition';
import { findWorkflowDefinition } from './find-workflow-definition';
import { listWorkflowDefinitions } from './list-workflow-definitions';
import { saveWorkflowDefinition } from './save-workflow-definition';

const definition = (name: string, version: number): WorkflowDef => ({
  name,
  version,
  tasks: [{ name: `task_v${version}`, taskReferenceName: 'only', type: 'SIMPLE', inputParameters: {} }],
});

describe('deleteWorkflowDefinition', () => {
  const fixture = migratedDatabaseForSuite('workflow_definitions_delete');

  it('removes that version only: the latest is then the highest left; another name is untouched', async () => {
    for (const version of [1, 2, 3]) await saveWorkflowDefinition(fixture.db, definition('billing', version), false);
    await saveWorkflowDefinition(fixture.db, definition('other', 3), false);

    expect(await deleteWorkflowDefinition(fixture.db, 'billing', 3)).toBe(true);
    expect((await findWorkflowDefinition(fixture.db, 'billing'))?.version).toBe(2);
    expect(await findWorkflowDefinition(fixture.db, 'billing', 3)).toBeUndefined();
    expect((await findWorkflowDefinition(fixture.db, 'other'))?.version).toBe(3);
  });

  it('answers false for a version or a name not registered, and removes nothing', async () => {
    await saveWorkflowDefinition(fixture.db, definition('kept', 1), false);
    const before = await listWorkflowDefinitions(fixture.db);
    expect(await deleteWorkflowDefinition(fixture.db, 'kept', 2)).toBe(false);
    expect(await deleteWorkflowDefinition(fixture.db, 'never_registered', 1)).toBe(false);
    expect(await listWorkflowDefinitions(fixture.db)).toEqual(before);
  });
});
