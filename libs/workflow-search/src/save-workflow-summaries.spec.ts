import { migratedDatabaseForSuite } from '../../../test/support/migrated-database';
import { readWorkflowSummaries } from './read-workflow-summaries';
import { saveWorkflowSummaries } from './save-workflow-summaries';
import type { WorkflowSummary } from './workflow-summary';

const summary = (workflowId: string, streamVersion: number, change: Partial<WorkflowSummary> = {}): WorkflowSummary => ({
  workflowId,
  streamVersion,
  workflowType: 'orders',
  version: 1,
  correlationId: null,
  status: 'RUNNING',
  startTime: 1_700_000_000_000,
  updateTime: 1_700_000_000_000 + streamVersion,
  endTime: null,
  input: { order: 7 },
  output: null,
  reasonForIncompletion: null,
  failedReferenceTaskNames: [],
  failedTaskNames: [],
  attempts: { t1: { referenceTaskName: 'pack', taskType: 'pack', domain: 'blue', open: true } },
  ...change,
});

describe('saveWorkflowSummaries and readWorkflowSummaries', () => {
  const fixture = migratedDatabaseForSuite('summaries');

  it('writes many runs in one statement and reads them back as they were', async () => {
    const [first, second] = [summary('s1', 2), summary('s2', 3, { correlationId: 'c', endTime: 1_800_000_000_000, status: 'COMPLETED', output: { ok: true } })];
    await saveWorkflowSummaries(fixture.db, [first, second]);

    const read = await readWorkflowSummaries(fixture.db, ['s1', 's2', 'absent']);
    expect([...read.keys()].sort()).toEqual(['s1', 's2']);
    expect(read.get('s1')).toEqual(first);
    expect(read.get('s2')).toEqual(second);
  });

  it('never takes a summary back to an older or the same stream version', async () => {
    await saveWorkflowSummaries(fixture.db, [summary('guarded', 5, { status: 'PAUSED' })]);
    await saveWorkflowSummaries(fixture.db, [summary('guarded', 4, { status: 'RUNNING' })]);
    await saveWorkflowSummaries(fixture.db, [summary('guarded', 5, { status: 'RUNNING' })]);
    expect((await readWorkflowSummaries(fixture.db, ['guarded'])).get('guarded')).toMatchObject({ streamVersion: 5, status: 'PAUSED' });

    await saveWorkflowSummaries(fixture.db, [summary('guarded', 6, { status: 'TERMINATED' })]);
    expect((await readWorkflowSummaries(fixture.db, ['guarded'])).get('guarded')).toMatchObject({ streamVersion: 6, status: 'TERMINATED' });
  });

  it('keeps the domains of open tasks of a running run, and none of an ended one', async () => {
    const attempts: WorkflowSummary['attempts'] = {
      a: { referenceTaskName: 'a', taskType: 'a', domain: 'blue', open: true },
      b: { referenceTaskName: 'b', taskType: 'b', domain: 'green', open: false },
      c: { referenceTaskName: 'c', taskType: 'c', domain: null, open: true },
    };
    await saveWorkflowSummaries(fixture.db, [summary('waits', 1, { attempts }), summary('ended', 1, { attempts, status: 'TERMINATED', endTime: 1 })]);
    const rows: Array<{ workflow_id: string; waiting_domains: string[] }> = await fixture.db.query(
      `select workflow_id, waiting_domains from turnout_workflow_summaries where workflow_id in ('waits', 'ended') order by workflow_id`,
    );
    expect(rows).toEqual([
      { workflow_id: 'ended', waiting_domains: [] },
      { workflow_id: 'waits', waiting_domains: ['blue'] },
    ]);
  });
});
