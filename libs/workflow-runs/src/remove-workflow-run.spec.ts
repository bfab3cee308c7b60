import { workflowStreamId } from '@turnout/domain';
import { migratedDatabaseForSuite } from '../../../test/support/migrated-database';
import { removeWorkflowRun } from './remove-workflow-run';

describe('removeWorkflowRun', () => {
  const fixture = migratedDatabaseForSuite('remove_run');

  const seed = async (workflowId: string) => {
    await fixture.db.query(`insert into turnout_events (stream_id, stream_version, type, data) values ($1, 1, 'WorkflowStarted', '{}'), ($1, 2, 'TaskScheduled', '{}')`, [
      workflowStreamId(workflowId),
    ]);
    await fixture.db.query(`insert into turnout_timers (workflow_id, kind, task_id, due_at) values ($1, 'workflow-timeout', null, now())`, [workflowId]);
    await fixture.db.query(
      `insert into turnout_task_summaries (task_id, workflow_id, workflow_type, task_type, reference_task_name, status, retry_count,
         scheduled_time, update_time, scheduled_version, stream_version) values ($1 || '-task', $1, 'orders', 'pack', 'pack', 'COMPLETED', 0, 1, 1, 2, 3)`,
      [workflowId],
    );
    await fixture.db.query(`insert into turnout_task_logs (task_id, log, created_time) values ($1 || '-task', 'packed', 1)`, [workflowId]);
    await fixture.db.query(
      `insert into turnout_workflow_summaries (workflow_id, stream_version, workflow_type, version, status, start_time, update_time, input,
         failed_reference_task_names, failed_task_names, attempts, waiting_domains) values ($1, 3, 'orders', 1, 'COMPLETED', 1, 1, '{}', '{}', '{}', '{}', '{}')`,
      [workflowId],
    );
  };

  const left = async (workflowId: string) => {
    const [counts] = await fixture.db.query(
      `select (select count(*) from turnout_events where stream_id = $2)::integer as events,
         (select count(*) from turnout_timers where workflow_id = $1)::integer as timers,
         (select count(*) from turnout_task_summaries where workflow_id = $1)::integer as tasks,
         (select count(*) from turnout_task_logs where task_id = $1 || '-task')::integer as logs,
         (select count(*) from turnout_workflow_summaries where workflow_id = $1)::integer as summaries`,
      [workflowId, workflowStreamId(workflowId)],
    );
    return counts;
  };

  it("removes the run's events, timers, task summaries and logs, and its summary unless archived; other runs stay", async () => {
    await seed('gone');
    await seed('archived');
    await seed('kept');

    expect(await removeWorkflowRun(fixture.db, 'gone', { keepSummary: false })).toBe(true);
    expect(await removeWorkflowRun(fixture.db, 'archived', { keepSummary: true })).toBe(true);

    expect(await left('gone')).toEqual({ events: 0, timers: 0, tasks: 0, logs: 0, summaries: 0 });
    expect(await left('archived')).toEqual({ events: 0, timers: 0, tasks: 0, logs: 0, summaries: 1 });
    expect(await left('kept')).toEqual({ events: 2, timers: 1, tasks: 1, logs: 1, summaries: 1 });
    expect(await removeWorkflowRun(fixture.db, 'gone', { keepSummary: false })).toBe(false);
  });
});
