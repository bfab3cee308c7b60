import { migratedDatabaseForSuite } from '../../../test/support/migrated-database';
import { insertTaskLog } from './insert-task-log';
import { listTaskLogs } from './list-task-logs';

describe('insertTaskLog and listTaskLogs', () => {
  const fixture = migratedDatabaseForSuite('task_logs');

  it("keeps each task's lines apart, in the order they were added", async () => {
    await insertTaskLog(fixture.db, 'task-a', 'second by time, first added', 2_000);
    await insertTaskLog(fixture.db, 'task-b', 'other task', 1_500);
    await insertTaskLog(fixture.db, 'task-a', "it's 'quoted' -- and long ".repeat(50), 1_000);
    const logs = await listTaskLogs(fixture.db, 'task-a');
    expect(logs).toEqual([
      { taskId: 'task-a', log: 'second by time, first added', createdTime: 2_000 },
      { taskId: 'task-a', log: "it's 'quoted' -- and long ".repeat(50), createdTime: 1_000 },
    ]);
    expect(await listTaskLogs(fixture.db, 'none')).toEqual([]);
  });
});
