import type { DataSource } from 'typeorm';
import type { WorkflowDef } from '@turnout/domain';
import { saveWorkflowDefinition } from '@turnout/metadata';
import { migratedDatabaseForSuite } from '../../../../test/support/migrated-database';
import { WorkflowDefinitionCache } from './workflow-definition-cache';

describe('WorkflowDefinitionCache (the definitions starts are made from)', () => {
  const fixture = migratedDatabaseForSuite('definition_cache');

  const definition = (name: string, taskType: string): WorkflowDef => ({
    name,
    version: 1,
    tasks: [{ name: taskType, taskReferenceName: 'only', type: 'SIMPLE', inputParameters: {} }],
  });
  /** A cache whose reads are counted. */
  function countedCache() {
    const counted = { reads: 0 };
    const db = { query: (sql: string, parameters?: unknown[]) => ((counted.reads += 1), fixture.db.query(sql, parameters)) };
    return { counted, cache: new WorkflowDefinitionCache(db as unknown as DataSource) };
  }
  const firstTaskOf = (found: Awaited<ReturnType<WorkflowDefinitionCache['find']>>) => found?.definition.tasks[0].name;

  it('reads a definition once while it is fresh, even for starts at the same moment', async () => {
    await saveWorkflowDefinition(fixture.db, definition('greeting', 'hello_world'), true);
    const { counted, cache } = countedCache();
    const found = await Promise.all([cache.find('greeting'), cache.find('greeting'), cache.find('greeting', 1)]);
    expect(found.map(firstTaskOf)).toEqual(['hello_world', 'hello_world', 'hello_world']);
    expect(await cache.find('greeting').then(firstTaskOf)).toBe('hello_world');
    expect(counted.reads).toBe(2); // the latest version, and version 1
  });

  it('reads again after clear(): a definition replaced through this api is used at once', async () => {
    await saveWorkflowDefinition(fixture.db, definition('replaced', 'old_task'), true);
    const { counted, cache } = countedCache();
    expect(await cache.find('replaced').then(firstTaskOf)).toBe('old_task');
    await saveWorkflowDefinition(fixture.db, definition('replaced', 'new_task'), true);
    cache.clear();
    expect(await cache.find('replaced').then(firstTaskOf)).toBe('new_task');
    expect(counted.reads).toBe(2);
  });

  it('does not keep a name it did not find: a workflow registered a moment later can start', async () => {
    const { counted, cache } = countedCache();
    expect(await cache.find('registered_later')).toBeUndefined();
    await saveWorkflowDefinition(fixture.db, definition('registered_later', 'hello_world'), true);
    expect(await cache.find('registered_later').then(firstTaskOf)).toBe('hello_world');
    expect(counted.reads).toBe(2);
  });
});
