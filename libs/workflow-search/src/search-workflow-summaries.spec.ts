import { migratedDatabaseForSuite } from '../../../test/support/migrated-database';
import { saveWorkflowSummaries } from './save-workflow-summaries';
import { type WorkflowSearch, searchWorkflowSummaries } from './search-workflow-summaries';
import type { WorkflowSummary } from './workflow-summary';
import { parseSearchQuery } from './workflow-search-query';

const T0 = 1_700_000_000_000;

const run = (workflowId: string, change: Partial<WorkflowSummary>): WorkflowSummary => ({
  workflowId,
  streamVersion: 2,
  workflowType: 'orders',
  version: 1,
  correlationId: null,
  status: 'RUNNING',
  startTime: T0,
  updateTime: T0,
  endTime: null,
  input: {},
  output: null,
  reasonForIncompletion: null,
  failedReferenceTaskNames: [],
  failedTaskNames: [],
  attempts: {},
  ...change,
});

const waitingIn = (domain: string | null): WorkflowSummary['attempts'] => ({ t: { referenceTaskName: 't', taskType: 't', domain, open: true } });

describe('searchWorkflowSummaries', () => {
  const fixture = migratedDatabaseForSuite('search');

  beforeAll(() =>
    saveWorkflowSummaries(fixture.db, [
      run('run-1', { startTime: T0 + 1, attempts: waitingIn('blue') }),
      run('run-2', { startTime: T0 + 2, status: 'PAUSED', correlationId: 'Order-42', attempts: waitingIn('green') }),
      run('run-3', { startTime: T0 + 3, status: 'COMPLETED', endTime: T0 + 10, workflowType: 'refunds' }),
      run('run-4', { startTime: T0 + 4, status: 'FAILED', endTime: T0 + 11, workflowType: 'refunds', attempts: waitingIn(null) }),
      run('run-5', { startTime: T0 + 5, attempts: waitingIn('blue') }),
    ]),
  );

  const ids = async (search: Partial<WorkflowSearch> & { query?: string }): Promise<string[]> => {
    const clauses = parseSearchQuery(search.query);
    if (!clauses.ok) throw new Error(JSON.stringify(clauses.errors));
    const result = await searchWorkflowSummaries(fixture.db, { clauses: clauses.value, freeText: null, domain: null, start: 0, size: 100, ...search });
    return result.results.map((summary) => summary.workflowId);
  };

  it('answers every run, newest first, with the total and the summaries as saved', async () => {
    const result = await searchWorkflowSummaries(fixture.db, { clauses: [], freeText: null, domain: null, start: 0, size: 100 });
    expect(result.totalHits).toBe(5);
    expect(result.results.map((summary) => summary.workflowId)).toEqual(['run-5', 'run-4', 'run-3', 'run-2', 'run-1']);
    expect(result.results[2]).toEqual(run('run-3', { startTime: T0 + 3, status: 'COMPLETED', endTime: T0 + 10, workflowType: 'refunds' }));
  });

  it('filters by workflowType, status and startTime, every clause together', async () => {
    expect(await ids({ query: 'workflowType = refunds' })).toEqual(['run-4', 'run-3']);
    expect(await ids({ query: 'status IN (PAUSED, FAILED)' })).toEqual(['run-4', 'run-2']);
    expect(await ids({ query: `startTime > ${T0 + 2} AND startTime < ${T0 + 5}` })).toEqual(['run-4', 'run-3']);
    expect(await ids({ query: `workflowType = orders AND status = RUNNING AND startTime >= ${T0 + 1}` })).toEqual(['run-5', 'run-1']);
    expect(await ids({ query: `endTime < ${T0 + 11}` })).toEqual(['run-3']);
  });

  it('finds a free-text word in the workflow id, correlation id or type, in any letter case; % and _ are plain characters', async () => {
    expect(await ids({ freeText: 'order-4' })).toEqual(['run-2']);
    expect(await ids({ freeText: 'REFUND' })).toEqual(['run-4', 'run-3']);
    expect(await ids({ freeText: 'run-5' })).toEqual(['run-5']);
    expect(await ids({ freeText: 'run%' })).toEqual([]);
    expect(await ids({ freeText: 'run_1' })).toEqual([]);
  });

  it('finds the runs with a task waiting in a domain', async () => {
    expect(await ids({ domain: 'blue' })).toEqual(['run-5', 'run-1']);
    expect(await ids({ domain: 'green', query: 'status = PAUSED' })).toEqual(['run-2']);
    expect(await ids({ domain: 'nowhere' })).toEqual([]);
  });

  it('pages with start and size; the total counts every match', async () => {
    const page = await searchWorkflowSummaries(fixture.db, { clauses: [], freeText: null, domain: null, start: 1, size: 2 });
    expect(page.totalHits).toBe(5);
    expect(page.results.map((summary) => summary.workflowId)).toEqual(['run-4', 'run-3']);
    const beyond = await searchWorkflowSummaries(fixture.db, { clauses: [], freeText: null, domain: null, start: 10, size: 2 });
    expect(beyond).toEqual({ totalHits: 5, results: [] });
  });
});
