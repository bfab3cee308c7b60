import { DomainError, PresenceSnapshot, type WorkflowCommand, blueprintOf, decide, validateWorkflowDef, workflowStreamId } from '@turnout/domain';
import { BatchedAppender, appendToStream, readStream } from '@turnout/event-store';
import { SPAN_NAMES } from '@turnout/tracing';
import { RecordedTracing } from '@turnout/tracing/recorded-tracing.test-support';
import { migratedDatabaseForSuite } from '../../../test/support/migrated-database';
import { WorkflowCommandHandler } from './workflow-command-handler';

const routing = { presence: new PresenceSnapshot(), activeWorkerTimeoutMs: 10_000 };
const definition = validateWorkflowDef({ name: 'one', tasks: [{ name: 'only', taskReferenceName: 'only' }] });
if (!definition.ok) throw new Error('bad definition');
// Retried at once when it times out, so that a timeout schedules the retry in the same append.
const blueprint = blueprintOf(definition.value, new Map([['only', { name: 'only', retryDelaySeconds: 0 }]]));

describe('WorkflowCommandHandler (the one read-decide-append path)', () => {
  const fixture = migratedDatabaseForSuite('commands');

  /** A run as the api starts it: WorkflowStarted and its first task, `task-1`, in one append. */
  async function startedRun(workflowId: string): Promise<void> {
    const [started, firstTask] = decide(
      {
        type: 'StartWorkflow',
        data: { workflowId, blueprint, input: {}, taskToDomain: {}, correlationId: null, firstTaskId: 'task-1', routing, now: 1 },
      },
      { type: 'Empty' },
    );
    await appendToStream(fixture.db, workflowStreamId(workflowId), 0, [started, firstTask]);
  }
  const complete = (taskId: string): WorkflowCommand => ({
    type: 'RecordTaskResult',
    data: { taskId, status: 'COMPLETED', outputData: { ok: true }, reasonForIncompletion: null, workerId: 'w', callbackAfterSeconds: null, nextTaskId: 'n', routing, now: 3 },
  });

  it('does not refuse a result because its cache is behind: it reads the stream and decides again', async () => {
    await startedRun('behind');
    // This router saw only the start (version 1), not the task scheduled with it.
    const stale = new WorkflowCommandHandler(fixture.db, new BatchedAppender(fixture.db));
    const [start] = (await readStream(fixture.db, workflowStreamId('behind'))).events;
    stale.observeCommitted([start]);
    const { events } = await stale.handle('behind', () => complete('task-1'));

    expect(events.map((event) => event.type)).toEqual(['TaskCompleted', 'WorkflowCompleted']);
  });

  it('lets exactly one of two routers record a result both received: the loser conflicts, re-reads and finds nothing to do', async () => {
    await startedRun('raced');
    const [first, second] = [0, 1].map(() => new WorkflowCommandHandler(fixture.db, new BatchedAppender(fixture.db)));
    const outcomes = await Promise.all([first.handle('raced', () => complete('task-1')), second.handle('raced', () => complete('task-1'))]);

    expect(outcomes.map(({ events }) => events.length).sort()).toEqual([0, 2]);
    expect((await readStream(fixture.db, workflowStreamId('raced'))).events.map((event) => event.type)).toEqual([
      'WorkflowStarted',
      'TaskScheduled',
      'TaskCompleted',
      'WorkflowCompleted',
    ]);
  });

  it('records a duplicated result once', async () => {
    await startedRun('twice');
    const handler = new WorkflowCommandHandler(fixture.db, new BatchedAppender(fixture.db));
    const [once, again] = await Promise.all([handler.handle('twice', () => complete('task-1')), handler.handle('twice', () => complete('task-1'))]);

    expect([once.events.length, again.events.length].sort()).toEqual([0, 2]);
    expect((await readStream(fixture.db, workflowStreamId('twice'))).streamVersion).toBe(4);
  });

  describe('following the log (observeCommitted)', () => {
    /** The handler's reads go through here; its appends do not. */
    function countingReads() {
      const counter = { reads: 0, db: { query: (sql: string, parameters?: unknown[]) => ((counter.reads += 1), fixture.db.query(sql, parameters)) } };
      return counter;
    }
    const committed = async (workflowId: string) => (await readStream(fixture.db, workflowStreamId(workflowId))).events;

    it('records the first result of a run it saw start in the log without reading the stream', async () => {
      await startedRun('observed');
      const counter = countingReads();
      const handler = new WorkflowCommandHandler(counter.db, new BatchedAppender(fixture.db));
      handler.observeCommitted(await committed('observed'));

      const { events } = await handler.handle('observed', () => complete('task-1'));
      expect(events.map((event) => event.type)).toEqual(['TaskCompleted', 'WorkflowCompleted']);
      expect(counter.reads).toBe(0);
    });

    it('lets two commands to one run given together take turns: the second decides on what the first appended', async () => {
      await startedRun('close-together');
      const counter = countingReads();
      const handler = new WorkflowCommandHandler(counter.db, new BatchedAppender(fixture.db));
      handler.observeCommitted(await committed('close-together'));
      const inProgress: WorkflowCommand = {
        type: 'RecordTaskResult',
        data: { taskId: 'task-1', status: 'IN_PROGRESS', outputData: {}, reasonForIncompletion: null, workerId: 'w', callbackAfterSeconds: null, nextTaskId: 'n', routing, now: 2 },
      };
      const [started, completed] = await Promise.all([handler.handle('close-together', () => inProgress), handler.handle('close-together', () => complete('task-1'))]);

      expect(started.events.map((event) => event.type)).toEqual(['TaskStarted']);
      expect(completed.events.map((event) => event.type)).toEqual(['TaskCompleted', 'WorkflowCompleted']);
      expect((await committed('close-together')).map((event) => event.streamVersion)).toEqual([1, 2, 3, 4, 5]);
      // No conflict, so no re-read: the second waited for the first.
      expect(counter.reads).toBe(0);
    });

    it('ignores an event that does not follow what it holds, and reads the stream instead', async () => {
      await startedRun('gappy');
      const counter = countingReads();
      const handler = new WorkflowCommandHandler(counter.db, new BatchedAppender(fixture.db));
      const [, second] = await committed('gappy');
      handler.observeCommitted([second]);

      const { events } = await handler.handle('gappy', () => complete('task-1'));
      expect(events.map((event) => event.type)).toEqual(['TaskCompleted', 'WorkflowCompleted']);
      expect(counter.reads).toBe(1);
    });
  });

  describe('the edges that share it', () => {
    const start = (workflowId: string): WorkflowCommand => ({
      type: 'StartWorkflow',
      data: { workflowId, blueprint, input: {}, taskToDomain: {}, correlationId: null, firstTaskId: 'task-1', routing, now: 1 },
    });
    const hold = (taskId: string): WorkflowCommand => ({ type: 'StartTask', data: { taskId, workerId: 'http-worker', now: 2 } });
    const typesOf = async (workflowId: string) => (await readStream(fixture.db, workflowStreamId(workflowId))).events.map((event) => event.type);

    it('starts a new run without reading, and refuses a second start of the same id once the stream is read', async () => {
      const handler = new WorkflowCommandHandler(fixture.db, new BatchedAppender(fixture.db), { maxCachedRuns: 0 });
      const { events, state } = await handler.handle('fresh-start', () => start('fresh-start'), { read: 'new' });
      expect(events.map((event) => event.type)).toEqual(['WorkflowStarted', 'TaskScheduled']);
      expect(state.type).toBe('Running');

      const again = handler.handle('fresh-start', () => start('fresh-start'), { read: 'new' });
      await expect(again).rejects.toBeInstanceOf(DomainError);
      await expect(again).rejects.toMatchObject({ code: 'WORKFLOW_ALREADY_STARTED' });
      expect(await typesOf('fresh-start')).toEqual(['WorkflowStarted', 'TaskScheduled']);
    });

    it('reads the stream for a fresh command even when its cache holds the run', async () => {
      await startedRun('written-elsewhere');
      const handler = new WorkflowCommandHandler(fixture.db, new BatchedAppender(fixture.db));
      handler.observeCommitted((await readStream(fixture.db, workflowStreamId('written-elsewhere'))).events);
      // Another process (the api holding the task for an HTTP worker) appends what this cache does not know.
      await appendToStream(fixture.db, workflowStreamId('written-elsewhere'), 2, [
        { type: 'TaskStarted', data: { taskId: 'task-1', workerId: 'w', startTime: 2, responseTimeoutAt: 3 } },
      ]);
      // The api's TaskStarted set a response timeout; the router fires it on a fresh read.
      const timer = { workflowId: 'written-elsewhere', kind: 'RESPONSE_TIMEOUT' as const, taskId: 'task-1', dueAt: 3 };
      const timeOut: WorkflowCommand = { type: 'FireTimer', data: { timer, nextTaskId: 'retry', routing, now: 4 } };

      const { events } = await handler.handle('written-elsewhere', () => timeOut, { read: 'fresh' });
      expect(events.map((event) => event.type)).toEqual(['TaskTimedOut', 'TaskScheduled']);
    });

    it('keeps no run in memory when told to keep none', async () => {
      await startedRun('uncached');
      const handler = new WorkflowCommandHandler(fixture.db, new BatchedAppender(fixture.db), { maxCachedRuns: 0 });
      handler.observeCommitted((await readStream(fixture.db, workflowStreamId('uncached'))).events);
      await handler.handle('uncached', () => hold('task-1'));
      expect(handler.cachedRuns).toBe(0);
    });
  });

  describe('with tracing on', () => {
    const start = (workflowId: string): WorkflowCommand => ({
      type: 'StartWorkflow',
      data: { workflowId, blueprint, input: {}, taskToDomain: {}, correlationId: null, firstTaskId: 'task-1', routing, now: 1 },
    });
    const fail = (taskId: string): WorkflowCommand => ({
      type: 'RecordTaskResult',
      data: { taskId, status: 'FAILED', outputData: {}, reasonForIncompletion: 'no', workerId: 'w', callbackAfterSeconds: null, nextTaskId: `${taskId}-retry`, routing, now: 3 },
    });
    const START = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const RECORD = '00-4bf92f3577b34da6a3ce929d0e0e4736-53995c3f42cd8ad8-01';
    const metadataOf = async (workflowId: string) => (await readStream(fixture.db, workflowStreamId(workflowId))).events.map((event) => [event.type, event.metadata]);

    it("keeps the start's trace context with WorkflowStarted, and schedules beneath the cause a command names", async () => {
      const tracing = new RecordedTracing();
      const handler = new WorkflowCommandHandler(fixture.db, new BatchedAppender(fixture.db), { tracing: () => tracing });
      await handler.handle('traced-start', () => start('traced-start'), { read: 'new', traceparent: START });
      await handler.handle('traced-start', () => fail('task-1'), { traceparent: RECORD });

      expect(tracing.spans.map(({ name, start: { parent }, ended }) => [name, parent, ended])).toEqual([
        [SPAN_NAMES.schedule, START, true],
        [SPAN_NAMES.schedule, RECORD, true],
      ]);
      expect(await metadataOf('traced-start')).toEqual([
        ['WorkflowStarted', { traceparent: START }],
        ['TaskScheduled', { traceparent: tracing.spans[0]?.traceparent }],
        ['TaskFailed', null],
        ['TaskScheduled', { traceparent: tracing.spans[1]?.traceparent }],
      ]);
    });

    it("schedules what no message caused (a timer, an operator's call) in the run's trace, read from the log or kept in memory", async () => {
      const tracing = new RecordedTracing();
      const starter = new WorkflowCommandHandler(fixture.db, new BatchedAppender(fixture.db), { tracing: () => tracing });
      for (const workflowId of ['read-run', 'cached-run']) await starter.handle(workflowId, () => start(workflowId), { read: 'new', traceparent: START });
      // Another process: one reads the stream, one follows the log as a router's relay feeds it.
      const reading = new WorkflowCommandHandler(fixture.db, new BatchedAppender(fixture.db), { tracing: () => tracing, maxCachedRuns: 0 });
      const following = new WorkflowCommandHandler(fixture.db, new BatchedAppender(fixture.db), { tracing: () => tracing });
      following.observeCommitted((await readStream(fixture.db, workflowStreamId('cached-run'))).events);

      await reading.handle('read-run', () => fail('task-1'));
      await following.handle('cached-run', () => fail('task-1'));
      await following.handle('cached-run', () => fail('task-1-retry'));

      expect(tracing.spans.slice(2).map(({ start: { parent } }) => parent)).toEqual([START, START, START]);
    });

    it('appends the events as decided, with no metadata, when tracing is off', async () => {
      const handler = new WorkflowCommandHandler(fixture.db, new BatchedAppender(fixture.db), { tracing: () => undefined });
      await handler.handle('untraced', () => start('untraced'), { read: 'new', traceparent: START });
      expect(await metadataOf('untraced')).toEqual([
        ['WorkflowStarted', null],
        ['TaskScheduled', null],
      ]);
    });
  });
});
