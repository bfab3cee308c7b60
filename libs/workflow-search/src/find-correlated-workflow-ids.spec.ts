import { migratedDatabaseForSuite } from '../../../test/support/migrated-database';
import { findCorrelatedWorkflowIds } from './find-correlated-workflow-ids';
import { saveWorkflowSummaries } from './save-workflow-summaries';
import { summaryOf } from './workflow-summary.test-support';

describe('findCorrelatedWorkflowIds', () => {
  const fixture = migratedDatabaseForSuite('correlated');

  it('finds the runs of one workflow with one correlation id, oldest first, ended ones only when asked', async () => {
    await saveWorkflowSummaries(fixture.db, [
      summaryOf('late', { correlationId: 'order-7', startTime: 3_000, status: 'PAUSED' }),
      summaryOf('early', { correlationId: 'order-7', startTime: 2_000 }),
      summaryOf('ended', { correlationId: 'order-7', startTime: 1_000, status: 'COMPLETED', endTime: 1_500 }),
      summaryOf('other-type', { correlationId: 'order-7', workflowType: 'refunds' }),
      summaryOf('other-id', { correlationId: 'order-8' }),
    ]);
    expect(await findCorrelatedWorkflowIds(fixture.db, 'orders', 'order-7', false)).toEqual(['early', 'late']);
    expect(await findCorrelatedWorkflowIds(fixture.db, 'orders', 'order-7', true)).toEqual(['ended', 'early', 'late']);
    expect(await findCorrelatedWorkflowIds(fixture.db, 'orders', 'none', true)).toEqual([]);
  });
});
