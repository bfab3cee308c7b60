import type { WorkflowDef } from '@turnout/domain';
import { migratedDatabaseForSuite } from '../../../test/support/migrated-database';
import { findWorkflowDefinitions } from './find-workflow-definitions';
import { saveWorkflowDefinition } from './save-workflow-definition';

describe('findWorkflowDefinitions', () => {
  const fixture = migratedDatabaseForSuite('metadata_many');

  const definition = (name: string, version: number): WorkflowDef => ({
    name,
    version,
    tasks: [{ name: 'only', taskReferenceName: 'only', type: 'SIMPLE', inputParameters: {} }],
  });

  it('answers each asked-for definition in order: a version, the latest, or undefined', async () => {
    for (const def of [definition('alpha', 1), definition('alpha', 3), definition('alpha', 2), definition('beta', 1)]) {
      await saveWorkflowDefinition(fixture.db, def, false);
    }
    const found = await findWorkflowDefinitions(fixture.db, [
      { name: 'alpha' },
      { name: 'nobody' },
      { name: 'alpha', version: 2 },
      { name: 'beta', version: 5 },
      { name: 'beta' },
    ]);
    expect(found.map((def) => def && `${def.name} v${def.version}`)).toEqual(['alpha v3', undefined, 'alpha v2', undefined, 'beta v1']);
  });

  it('answers nothing for nothing, without a query', async () => {
    expect(await findWorkflowDefinitions({ query: () => Promise.reject(new Error('no query expected')) }, [])).toEqual([]);
  });
});
