import { type WorkflowCommand, type WorkflowState, PresenceSnapshot, blueprintOf, parseTaskToDomain, validateWorkflowDef, workflowStreamId } from '@turnout/domain';
import { type StoredEvent, appendToStream, readStream } from '@turnout/event-store';
import { WorkflowCommandHandler } from '@turnout/workflow-runs';
import { migratedDatabaseForSuite } from '../../../test/support/migrated-database';
import { readWorkflowSummaries } from './read-workflow-summaries';
import { searchWorkflowSummaries } from './search-workflow-summaries';
import { workflowSummariesProjection } from './workflow-summaries-projection';

const NOW = 1_700_000_000_000;
const routing = { presence: new PresenceSnapshot(), activeWorkerTimeoutMs: 10_000 };
const definition = validateWorkflowDef({
  name: 'shipping',
  tasks: [
    { name: 'pack', taskReferenceName: 'pack_ref' },
    { name: 'ship', taskReferenceName: 'ship_ref' },
  ],
});
if (!definition.ok) throw new Error('bad definition');
const blueprint = blueprintOf(definition.value, new Map());
const blue = parseTaskToDomain({ '*': 'blue' });
if (!blue.ok) throw new Error('bad map');

describe('workflowSummariesProjection', () => {
  const fixture = migratedDatabaseForSuite('summaries_projection');
  let commands: WorkflowCommandHandler;
  let taskIds = 0;

  // One projection for the suite, as a router keeps one: later pages fold onto the summaries it keeps.
  const projection = workflowSummariesProjection();

  beforeAll(() => {
    commands = new WorkflowCommandHandler(fixture.db, { append: (streamId, expected, events) => appendToStream(fixture.db, streamId, expected, events) }, { maxCachedRuns: 0 });
  });

  const scheduling = (now: number) => ({ nextTaskId: `task-${(taskIds += 1)}`, routing, now });
  const send = (workflowId: string, commandFor: (state: WorkflowState) => WorkflowCommand) => commands.handle(workflowId, commandFor);
  const start = (workflowId: string, now: number) =>
    commands.handle(
      workflowId,
      () => ({
        type: 'StartWorkflow',
        data: { workflowId, blueprint, input: { order: workflowId }, taskToDomain: blue.value, correlationId: `corr-${workflowId}`, firstTaskId: `first-${workflowId}`, routing, now },
      }),
      { read: 'new' },
    );
  /** The open task's result, as a worker reports it. */
  const report = (workflowId: string, status: 'COMPLETED' | 'FAILED_WITH_TERMINAL_ERROR', now: number) =>
    send(workflowId, (state) => {
      if (state.type === 'Empty') throw new Error('no run');
      const open = state.run.tasks.find((task) => task.status === 'SCHEDULED' || task.status === 'IN_PROGRESS');
      if (open === undefined) throw new Error('no open task');
      const reasonForIncompletion = status === 'COMPLETED' ? null : 'box too small';
      return {
        type: 'RecordTaskResult',
        data: { taskId: open.taskId, status, outputData: { by: 'w' }, reasonForIncompletion, workerId: 'w', callbackAfterSeconds: null, ...scheduling(now) },
      };
    });
  const events = async (workflowId: string, fromVersion = 1): Promise<StoredEvent[]> => (await readStream(fixture.db, workflowStreamId(workflowId), fromVersion)).events;
  const summaryOf = async (workflowId: string) => (await readWorkflowSummaries(fixture.db, [workflowId])).get(workflowId);
  const waitingIn = async (domain: string) =>
    (await searchWorkflowSummaries(fixture.db, { clauses: [], freeText: null, domain, start: 0, size: 100 })).results.map((summary) => summary.workflowId);

  it('summarises a started run, waiting in its domain, and changes nothing when the page comes again', async () => {
    await start('fresh', NOW);
    const page = await events('fresh');
    await fixture.db.transaction((tx) => projection.apply(tx, page));

    const summary = await summaryOf('fresh');
    expect(summary).toMatchObject({
      workflowId: 'fresh',
      streamVersion: 2,
      workflowType: 'shipping',
      version: 1,
      correlationId: 'corr-fresh',
      status: 'RUNNING',
      startTime: NOW,
      endTime: null,
      input: { order: 'fresh' },
      attempts: { 'first-fresh': { referenceTaskName: 'pack_ref', taskType: 'pack', domain: 'blue', open: true } },
    });
    expect(await waitingIn('blue')).toContain('fresh');

    await fixture.db.transaction((tx) => projection.apply(tx, page));
    expect(await summaryOf('fresh')).toEqual(summary);
  });

  it('follows a run through pause, terminate and restart, over pages that overlap', async () => {
    await start('ops', NOW);
    await fixture.db.transaction(async (tx) => projection.apply(tx, await events('ops')));
    await send('ops', () => ({ type: 'PauseWorkflow', data: { now: NOW + 1 } }));
    await fixture.db.transaction(async (tx) => projection.apply(tx, await events('ops', 2)));
    expect(await summaryOf('ops')).toMatchObject({ status: 'PAUSED', updateTime: NOW + 1, streamVersion: 3 });
    expect(await waitingIn('blue')).toContain('ops');

    await send('ops', () => ({ type: 'TerminateWorkflow', data: { reason: 'wrong address', now: NOW + 2 } }));
    // The page holds events seen before and new ones: only the new ones count.
    await fixture.db.transaction(async (tx) => projection.apply(tx, await events('ops')));
    expect(await summaryOf('ops')).toMatchObject({ status: 'TERMINATED', reasonForIncompletion: 'wrong address', endTime: NOW + 2 });
    expect(await waitingIn('blue')).not.toContain('ops');

    await send('ops', () => ({ type: 'RestartWorkflow', data: scheduling(NOW + 3) }));
    await fixture.db.transaction(async (tx) => projection.apply(tx, await events('ops', 4)));
    const restarted = await summaryOf('ops');
    expect(restarted).toMatchObject({ status: 'RUNNING', startTime: NOW + 3, endTime: null, reasonForIncompletion: null, input: { order: 'ops' } });
    expect(Object.values(restarted!.attempts)).toEqual([{ referenceTaskName: 'pack_ref', taskType: 'pack', domain: 'blue', open: true }]);
  });

  it('names the task that failed the run, and keeps the output of a completed one', async () => {
    await start('fails', NOW);
    await report('fails', 'COMPLETED', NOW + 1);
    await report('fails', 'FAILED_WITH_TERMINAL_ERROR', NOW + 2);
    await start('completes', NOW + 10);
    await report('completes', 'COMPLETED', NOW + 11);
    await report('completes', 'COMPLETED', NOW + 12);
    // Two runs in one page, their events interleaved as the log holds them.
    const page = [...(await events('fails')), ...(await events('completes'))].sort((a, b) => Number(a.globalPosition) - Number(b.globalPosition));
    await fixture.db.transaction((tx) => projection.apply(tx, page));

    expect(await summaryOf('fails')).toMatchObject({
      status: 'FAILED',
      endTime: NOW + 2,
      failedReferenceTaskNames: ['ship_ref'],
      failedTaskNames: ['ship'],
      reasonForIncompletion: expect.stringContaining('box too small'),
    });
    // The completed attempt is gone from the row; the failed one stays, closed.
    expect(Object.values((await summaryOf('fails'))!.attempts)).toEqual([{ referenceTaskName: 'ship_ref', taskType: 'ship', domain: 'blue', open: false }]);
    expect(await summaryOf('completes')).toMatchObject({ status: 'COMPLETED', endTime: NOW + 12, output: { by: 'w' }, reasonForIncompletion: null });
  });

  it('skips events of other streams and of runs whose start it has not seen', async () => {
    await appendToStream(fixture.db, 'not-a-workflow', 0, [{ type: 'Whatever', data: {} }]);
    await start('unseen-start', NOW);
    await report('unseen-start', 'COMPLETED', NOW + 1);
    const page = [...(await readStream(fixture.db, 'not-a-workflow')).events, ...(await events('unseen-start', 3))];
    await fixture.db.transaction((tx) => projection.apply(tx, page));
    expect(await summaryOf('unseen-start')).toBeUndefined();
  });

  it('writes a kept summary again when the transaction of its page failed', async () => {
    const own = workflowSummariesProjection();
    await start('rolled-back', NOW);
    await fixture.db.transaction(async (tx) => own.apply(tx, await events('rolled-back')));
    await report('rolled-back', 'COMPLETED', NOW + 1);
    const page = await events('rolled-back', 3);
    const failure = new Error('checkpoint not stored');
    await expect(
      fixture.db.transaction(async (tx) => {
        await own.apply(tx, page);
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await summaryOf('rolled-back')).toMatchObject({ streamVersion: 2 });

    // The page comes again: nothing in it is new to the projection, but the row is behind.
    await fixture.db.transaction((tx) => own.apply(tx, page));
    const written = await summaryOf('rolled-back');
    expect(written).toMatchObject({ streamVersion: 4, updateTime: NOW + 1 });
    expect(Object.values(written!.attempts)).toEqual([{ referenceTaskName: 'ship_ref', taskType: 'ship', domain: 'blue', open: true }]);
  });

  it('reads the row again when another runner folded the run in between', async () => {
    const first = workflowSummariesProjection();
    const second = workflowSummariesProjection();
    await start('handed-over', NOW);
    await fixture.db.transaction(async (tx) => first.apply(tx, await events('handed-over')));
    await report('handed-over', 'COMPLETED', NOW + 1);
    // Another router held the lock meanwhile and folded the result.
    await fixture.db.transaction(async (tx) => second.apply(tx, await events('handed-over', 3)));
    await report('handed-over', 'COMPLETED', NOW + 2);
    await fixture.db.transaction(async (tx) => first.apply(tx, await events('handed-over', 5)));

    // Folded onto what it kept from before the handover, the first task would still look open.
    const summary = await summaryOf('handed-over');
    expect(summary).toMatchObject({ status: 'COMPLETED', endTime: NOW + 2, streamVersion: 6 });
    expect(summary!.attempts).toEqual({});
  });

  it('writes the row of a run it keeps again when the table was emptied and the log is read from the start', async () => {
    await start('rebuilt', NOW);
    await report('rebuilt', 'COMPLETED', NOW + 1);
    // Still running: the projection keeps its summary, and nothing in the page is new to it.
    await fixture.db.transaction(async (tx) => projection.apply(tx, await events('rebuilt')));
    const before = await summaryOf('rebuilt');
    await fixture.db.query(`delete from turnout_workflow_summaries where workflow_id = 'rebuilt'`);

    await fixture.db.transaction(async (tx) => projection.apply(tx, await events('rebuilt')));
    expect(before).toMatchObject({ status: 'RUNNING', streamVersion: 4 });
    expect(await summaryOf('rebuilt')).toEqual(before);
  });
});
