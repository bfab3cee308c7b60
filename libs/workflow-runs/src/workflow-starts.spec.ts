import { PresenceSnapshot, type TaskDef, type WorkflowDef, buildBlueprint, workflowStreamId } from '@turnout/domain';
import { BatchedAppender, readStream } from '@turnout/event-store';
import { migratedDatabaseForSuite } from '../../../test/support/migrated-database';
import { WorkflowCommandHandler } from './workflow-command-handler';
import { type RunStartRequest, type WorkflowDefinitionSource, WorkflowStarts } from './workflow-starts';

const stored: WorkflowDef = { name: 'greeting', version: 3, tasks: [{ name: 'hello', taskReferenceName: 'hello_ref', type: 'SIMPLE', inputParameters: {} }] };
const taskDefs = new Map<string, TaskDef>([['hello', { name: 'hello', retryCount: 5 }]]);

/** One stored definition; what a start asked for is recorded, so a test sees the lookup it made. */
function definitionSource(): WorkflowDefinitionSource & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    async find(name, version) {
      asked.push(`${name}@${version ?? 'latest'}`);
      return name === stored.name && (version === undefined || version === stored.version) ? { definition: stored, taskDefs } : undefined;
    },
    async blueprint(definition, at) {
      asked.push(`blueprint:${definition.name}${at === '' ? '' : ` at ${at}`}`);
      return buildBlueprint(definition, taskDefs);
    },
  };
}

describe('WorkflowStarts (how a run starts, from a request or a message)', () => {
  const fixture = migratedDatabaseForSuite('workflow_starts');
  let caughtUp = 0;
  const routing = {
    caughtUp: async () => {
      caughtUp += 1;
    },
    routingContext: () => ({ presence: new PresenceSnapshot(), activeWorkerTimeoutMs: 10_000 }),
  };
  const startsWith = (definitions: WorkflowDefinitionSource) =>
    new WorkflowStarts(new WorkflowCommandHandler(fixture.db, new BatchedAppender(fixture.db), { maxCachedRuns: 0 }), definitions, routing);
  const request = (fields: Partial<RunStartRequest> = {}): RunStartRequest => ({
    workflow: { type: 'stored', name: 'greeting', version: null },
    input: { who: 'Ada' },
    correlationId: 'c-1',
    taskToDomain: { raw: { hello: 'tenant_x,NO_DOMAIN' }, path: 'taskToDomain' },
    startedBy: null,
    ...fields,
  });

  it('starts the latest stored version with its task definitions, its map parsed, presence caught up first', async () => {
    const before = caughtUp;
    const outcome = await startsWith(definitionSource()).start(request());
    if (outcome.type !== 'started') throw new Error(JSON.stringify(outcome));
    expect(caughtUp).toBe(before + 1);
    const [started, scheduled] = (await readStream(fixture.db, workflowStreamId(outcome.workflowId))).events;
    expect(started).toMatchObject({
      type: 'WorkflowStarted',
      data: { input: { who: 'Ada' }, correlationId: 'c-1', blueprint: { name: 'greeting', version: 3, tasks: [{ taskType: 'hello', retryCount: 5 }] } },
    });
    expect(started.data).not.toHaveProperty('startedBy');
    expect(scheduled).toMatchObject({ type: 'TaskScheduled', data: { taskType: 'hello', domain: null, routing: { rule: expect.any(String) } } });
    expect(outcome.events.map((event) => event.type)).toEqual(['WorkflowStarted', 'TaskScheduled']);
  });

  it('records what started a run when a trigger is given, under the id the caller chose', async () => {
    const startedBy = { eventHandler: 'orders', event: 'amqp_queue:orders', messageId: 'm-1' };
    const outcome = await startsWith(definitionSource()).start(request({ startedBy, workflowId: 'from-message-m-1' }));
    expect(outcome).toMatchObject({ type: 'started', workflowId: 'from-message-m-1' });
    const [started] = (await readStream(fixture.db, workflowStreamId('from-message-m-1'))).events;
    expect(started.data).toMatchObject({ startedBy });
  });

  it('answers already-started, appending nothing, when the chosen id has its run', async () => {
    const starts = startsWith(definitionSource());
    await starts.start(request({ workflowId: 'twice' }));
    expect(await starts.start(request({ workflowId: 'twice' }))).toEqual({ type: 'already-started', workflowId: 'twice' });
    expect((await readStream(fixture.db, workflowStreamId('twice'))).events).toHaveLength(2);
  });

  it('answers unknown-workflow for a name or version not stored, appending nothing', async () => {
    const definitions = definitionSource();
    const outcome = await startsWith(definitions).start(request({ workflow: { type: 'stored', name: 'greeting', version: 9 }, workflowId: 'unknown' }));
    expect(outcome).toEqual({ type: 'unknown-workflow', message: 'No such workflow found by name: greeting, version: 9' });
    expect(definitions.asked).toEqual(['greeting@9']);
    expect((await readStream(fixture.db, workflowStreamId('unknown'))).events).toHaveLength(0);
  });

  it("refuses a map that cannot route the workflow's task types, at the path the caller gave", async () => {
    const outcome = await startsWith(definitionSource()).start(
      request({ taskToDomain: { raw: { hello: `${'d'.repeat(260)}` }, path: 'message.taskToDomain' }, workflowId: 'bad-map' }),
    );
    expect(outcome).toMatchObject({ type: 'invalid', errors: [{ path: 'message.taskToDomain.hello' }] });
    expect((await readStream(fixture.db, workflowStreamId('bad-map'))).events).toHaveLength(0);
  });

  it('refuses text PostgreSQL cannot store in the input, correlation id or trigger (a message passed no HTTP pipe), naming each, appending nothing', async () => {
    const outcome = await startsWith(definitionSource()).start(
      request({
        input: { note: 'a\u0000b' },
        correlationId: '\ud800',
        startedBy: { eventHandler: 'orders', event: 'amqp:orders', messageId: 'm\u0000' },
        workflowId: 'unstorable',
      }),
    );
    expect(outcome).toEqual({
      type: 'invalid',
      errors: [
        { path: 'input.note', message: 'must not contain NUL characters or unpaired surrogates' },
        { path: 'correlationId', message: 'must not contain NUL characters or unpaired surrogates' },
        { path: 'startedBy.messageId', message: 'must not contain NUL characters or unpaired surrogates' },
      ],
    });
    expect((await readStream(fixture.db, workflowStreamId('unstorable'))).events).toHaveLength(0);
  });

  it('starts a definition given whole with the task definitions it names', async () => {
    const definitions = definitionSource();
    const given: WorkflowDef = { name: 'inline', version: 1, tasks: [{ name: 'hello', taskReferenceName: 'h', type: 'SIMPLE', inputParameters: {} }] };
    const outcome = await startsWith(definitions).start(request({ workflow: { type: 'given', definition: given }, taskToDomain: { raw: null, path: 'taskToDomain' } }));
    if (outcome.type !== 'started') throw new Error(JSON.stringify(outcome));
    expect(definitions.asked).toEqual(['blueprint:inline at workflowDef']);
    const [started] = (await readStream(fixture.db, workflowStreamId(outcome.workflowId))).events;
    expect(started).toMatchObject({ data: { blueprint: { name: 'inline', tasks: [{ retryCount: 5 }] } } });
  });
});
