import { DomainError, PresenceSnapshot, type WorkflowCommand, blueprintOf, decide, validateWorkflowDef, workflowStreamId } from '@turnout/domain';
import { BatchedAppender, appendToStream, readStream } from '@turnout/event-store';
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
});
