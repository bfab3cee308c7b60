import { migratedDatabaseForSuite } from '../../../test/support/migrated-database';
import { listRunningWorkflowIds } from './list-running-workflow-ids';
import { saveWorkflowSummaries } from './save-workflow-summaries';
import { summaryOf } from './workflow-summary.test-support';

describe('listRunningWorkflowIds', () => {
  const fixture = migratedDatabaseForSuite('running');

  it('lists the runs of one version not ended, oldest first, within the start times given', async () => {
    await saveWorkflowSummaries(fixture.db, [
      summaryOf('r1', { startTime: 1_000 }),
      summaryOf('r2', { startTime: 2_000, status: 'PAUSED' }),
      summaryOf('r3', { startTime: 3_000 }),
      summaryOf('done', { startTime: 1_500, status: 'TERMINATED', endTime: 1_600 }),
      summaryOf('v2', { startTime: 1_700, version: 2 }),
    ]);
    const running = (startedFrom: number | null, startedTo: number | null, version = 1) =>
      listRunningWorkflowIds(fixture.db, { workflowType: 'orders', version, startedFrom, startedTo });
    expect(await running(null, null)).toEqual(['r1', 'r2', 'r3']);
    expect(await running(1_500, 3_000)).toEqual(['r2', 'r3']);
    expect(await running(null, null, 2)).toEqual(['v2']);
  });
});
