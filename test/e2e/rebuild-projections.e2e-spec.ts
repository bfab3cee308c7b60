/**
 * `npm run rebuild-projections` on a database with live data, while the api
 * and the router run: every read model is the same afterwards (what was lost
 * or wrong in it is back), and no reaction to the log happens twice.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { workflowStreamId } from '@turnout/domain';
import { uniqueName } from '../support/services';
import { turnoutForSuite } from '../support/turnout-fixture';
import { waitFor } from '../support/wait-for';

const ROOT = join(__dirname, '..', '..');
const READ_MODEL_TABLES = ['turnout_workflow_summaries', 'turnout_task_summaries', 'turnout_timers'];

describe('rebuilding the projections from the log', () => {
  const turnout = turnoutForSuite('e2e_rebuild');

  async function register(definition: Record<string, unknown>): Promise<void> {
    const response = await turnout.api.request('POST', '/api/metadata/workflow', { version: 1, ...definition });
    if (response.status !== 200) throw new Error(`registering ${String(definition.name)} failed: ${response.status} ${JSON.stringify(response.body)}`);
  }

  /** Every row of the read models, and the task queues by name (when a queue was first seen is not from the log either). */
  async function readModelRows(): Promise<Record<string, string[]>> {
    const rows: Record<string, string[]> = {};
    for (const table of READ_MODEL_TABLES) {
      // A timer's id is a sequence's, not the log's.
      rows[table] = (await turnout.db.query<{ row: string }>(`select (to_jsonb(t) - 'id')::text as row from ${table} t order by 1`)).rows.map((row) => row.row);
    }
    rows.turnout_task_queues = (await turnout.db.query<{ row: string }>(`select concat_ws(' ', queue_name, task_type, domain) as row from turnout_task_queues order by 1`)).rows.map(
      (row) => row.row,
    );
    return rows;
  }

  /** Waits until the routers' projection runner has applied the whole log. */
  const projectionsCaughtUp = () =>
    waitFor('the projections to have applied the whole log', async () => {
      const rows = await turnout.db.query<{ caught_up: boolean }>(
        `select (s.last_transaction_id, s.last_position) >= (e.transaction_id, e.global_position) as caught_up
         from turnout_subscriptions s,
              (select transaction_id, global_position from turnout_events order by transaction_id desc, global_position desc limit 1) e
         where s.name = 'projections'`,
      );
      return rows.rows[0]?.caught_up === true;
    });

  /** `npm run rebuild-projections` (built already), on this suite's database. */
  const rebuild = () =>
    promisify(execFile)(process.execPath, ['scripts/run.mjs', 'rebuild-projections'], { cwd: ROOT, env: { ...process.env, DATABASE_URL: turnout.databaseUrl } });

  const eventCounts = async (): Promise<Record<string, number>> =>
    Object.fromEntries(
      (await turnout.db.query<{ stream_id: string; count: string }>('select stream_id, count(*) as count from turnout_events group by stream_id')).rows.map((row) => [
        row.stream_id,
        Number(row.count),
      ]),
    );

  it('finds the same rows as before, from runs completed, running, failed, waiting on timers and a child run, with the router running', async () => {
    const [done, broken, waiting] = [uniqueName('rb_done'), uniqueName('rb_broken'), uniqueName('rb_waiting')];
    await turnout.registerTaskDefs([
      { name: done, retryCount: 0 },
      { name: broken, retryCount: 0 },
      // Nobody takes it: the run stays RUNNING with a poll timeout pending, an hour away.
      { name: waiting, retryCount: 0, pollTimeoutSeconds: 3_600 },
    ]);
    const [doneFlow, brokenFlow, waitingFlow, pausedFlow, parentFlow] = ['rb_done_flow', 'rb_broken_flow', 'rb_waiting_flow', 'rb_paused_flow', 'rb_parent_flow'].map(uniqueName);
    await turnout.registerWorkflow(doneFlow, [done]);
    await turnout.registerWorkflow(brokenFlow, [broken]);
    await turnout.registerWorkflow(waitingFlow, [waiting]);
    await register({ name: pausedFlow, tasks: [{ name: 'pause', taskReferenceName: 'pause', type: 'WAIT', inputParameters: { duration: '1h' } }] });
    await register({ name: parentFlow, tasks: [{ name: 'child', taskReferenceName: 'child', type: 'SUB_WORKFLOW', subWorkflowParam: { name: doneFlow, version: 1 } }] });
    await turnout.startWorker({ taskType: done, execute: () => ({ ok: true }) });
    await turnout.startWorker({
      taskType: broken,
      execute: () => {
        throw new Error('broken on purpose');
      },
    });

    const completed = await turnout.api.startWorkflow(doneFlow);
    const failed = await turnout.api.startWorkflow(brokenFlow);
    const parent = await turnout.api.startWorkflow(parentFlow);
    const running = await turnout.api.startWorkflow(waitingFlow);
    const paused = await turnout.api.startWorkflow(pausedFlow);
    expect((await turnout.ended(completed)).status).toBe('COMPLETED');
    expect((await turnout.ended(failed)).status).toBe('FAILED');
    expect((await turnout.ended(parent)).status).toBe('COMPLETED');
    await projectionsCaughtUp();
    const before = await readModelRows();
    const eventsBefore = await eventCounts();
    // The data is what the test says it is: each kind of run, timers pending for the two that wait.
    const summaries = before.turnout_workflow_summaries.map((row) => JSON.parse(row)).map((row) => `${row.workflow_id}:${row.status}`);
    // The five runs and the parent's child.
    expect(summaries).toHaveLength(6);
    expect(summaries).toEqual(expect.arrayContaining([`${completed}:COMPLETED`, `${failed}:FAILED`, `${parent}:COMPLETED`, `${running}:RUNNING`, `${paused}:RUNNING`]));
    expect(before.turnout_timers.map((row) => JSON.parse(row)).map((row) => `${row.workflow_id}:${row.kind}`).sort()).toEqual(
      expect.arrayContaining([`${running}:POLL_TIMEOUT`, `${paused}:WAIT`]),
    );
    expect(before.turnout_task_queues).toEqual(expect.arrayContaining([`${done} ${done}`, `${waiting} ${waiting}`]));

    // Lost and wrong rows: a run's summary gone, a task's status wrong, the timers and the queue list emptied.
    await turnout.db.query('delete from turnout_workflow_summaries where workflow_id = $1', [failed]);
    await turnout.db.query(`update turnout_task_summaries set status = 'SCHEDULED' where workflow_id = $1`, [completed]);
    await turnout.db.query('delete from turnout_timers');
    await turnout.db.query('delete from turnout_task_queues');

    const { stdout } = await rebuild();
    expect(stdout).toMatch(/^rebuilding timers, workflow-summaries, task-summaries, task-queues from the log up to position \d+$/m);
    expect(stdout).toMatch(/^projections rebuilt: \d+ events up to position \d+ in \d+ ms$/m);
    expect(await readModelRows()).toEqual(before);

    // The router goes on from its checkpoint: a new run is projected, and no child was started again.
    const after = await turnout.api.startWorkflow(doneFlow);
    expect((await turnout.ended(after)).status).toBe('COMPLETED');
    await projectionsCaughtUp();
    const { [workflowStreamId(after)]: newRun, ...eventsAfter } = await eventCounts();
    expect(newRun).toBeGreaterThan(0);
    expect(eventsAfter).toEqual(eventsBefore);
  });

  it('leaves the read models, rebuilt while runs start and complete, as a rebuild once all is quiet does', async () => {
    const work = uniqueName('rb_busy');
    const busyFlow = uniqueName('rb_busy_flow');
    await turnout.registerWorkflow(busyFlow, [work]);
    await turnout.startWorker({ taskType: work, execute: () => ({ ok: true }) });

    let rebuilding = true;
    const started: string[] = [];
    const load = (async () => {
      while (rebuilding && started.length < 200) started.push(await turnout.api.startWorkflow(busyFlow));
    })();
    await rebuild().finally(() => (rebuilding = false));
    await load;
    expect(started.length).toBeGreaterThan(0);
    for (const workflowId of started) expect((await turnout.ended(workflowId)).status).toBe('COMPLETED');
    await projectionsCaughtUp();
    const underLoad = await readModelRows();
    expect(underLoad.turnout_workflow_summaries.filter((row) => started.some((workflowId) => row.includes(workflowId)))).toHaveLength(started.length);

    await rebuild();
    expect(await readModelRows()).toEqual(underLoad);
  });
});
