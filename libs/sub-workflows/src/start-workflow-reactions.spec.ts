import { randomUUID } from 'node:crypto';
import { PresenceSnapshot, type TaskDef, type WorkflowBlueprint, type WorkflowDef, type WorkflowState, buildBlueprint, foldEvents, parseTaskToDomain, workflowStreamId } from '@turnout/domain';
import { BatchedAppender, type Checkpoint, START_CHECKPOINT, readCommittedEvents, readStream } from '@turnout/event-store';
import { WorkflowCommandHandler, type WorkflowDefinitionSource, WorkflowStarts, workflowEventOf } from '@turnout/workflow-runs';
import { migratedDatabaseForSuite } from '../../../test/support/migrated-database';
import { waitFor } from '../../../test/support/wait-for';
import { startWorkflowReactions } from './start-workflow-reactions';

const routing = { caughtUp: () => Promise.resolve(), routingContext: () => ({ presence: new PresenceSnapshot(), activeWorkerTimeoutMs: 10_000 }) };

/** The workflow START_WORKFLOW starts: one SIMPLE task. */
const shipping: WorkflowDef = { name: 'shipping', version: 1, tasks: [{ name: 'ship', taskReferenceName: 'ship', type: 'SIMPLE', inputParameters: { order: '${workflow.input.order}' } }] };
const taskDefs = new Map<string, TaskDef>([['ship', { name: 'ship', retryCount: 0 }]]);
const definitions: WorkflowDefinitionSource = {
  find: async (name, version) => (name === shipping.name && (version === undefined || version === shipping.version) ? { definition: shipping, taskDefs } : undefined),
  blueprint: async (definition) => buildBlueprint(definition, taskDefs),
};

const starter = (startWorkflow: unknown): WorkflowBlueprint => ({
  name: 'starter',
  version: 1,
  tasks: [
    { kind: 'START_WORKFLOW', taskType: 'START_WORKFLOW', referenceTaskName: 'kick', inputParameters: { startWorkflow } },
    { taskType: 'after', referenceTaskName: 'after', inputParameters: { started: '${kick.output.workflowId}' }, retryCount: 0, responseTimeoutSeconds: 60 },
  ],
  outputParameters: null,
});

describe('startWorkflowReactions (START_WORKFLOW, fire and forget)', () => {
  const fixture = migratedDatabaseForSuite('start_workflow_reactions');
  let workflows: WorkflowCommandHandler;
  let reactions: ReturnType<typeof startWorkflowReactions>;
  let checkpoint: Checkpoint = START_CHECKPOINT;

  beforeEach(() => {
    workflows = new WorkflowCommandHandler(fixture.db, new BatchedAppender(fixture.db));
    reactions = startWorkflowReactions({ workflows, starts: new WorkflowStarts(workflows, definitions, routing), routing });
  });

  /** Follows the log as the runner does, a page at a time, until the run's first task (its START_WORKFLOW) has ended. */
  async function reactUntilEnded(workflowId: string): Promise<WorkflowState> {
    return waitFor(`the START_WORKFLOW task of ${workflowId} to end`, async () => {
      // A transaction open anywhere on the server holds the gap-safe read back: read again until it is through.
      const events = await readCommittedEvents(fixture.db, checkpoint, 100);
      if (events.length > 0) {
        await reactions.apply(fixture.db, events);
        const last = events[events.length - 1];
        checkpoint = { transactionId: last.transactionId, globalPosition: last.globalPosition };
      }
      const state = await stateOf(workflowId);
      return state.type !== 'Empty' && state.run.tasks[0].status !== 'IN_PROGRESS' && state;
    });
  }

  async function stateOf(workflowId: string): Promise<WorkflowState> {
    return foldEvents((await readStream(fixture.db, workflowStreamId(workflowId))).events.map(workflowEventOf));
  }

  async function startStarter(blueprint: WorkflowBlueprint, map: Record<string, string> = {}): Promise<string> {
    const parsed = parseTaskToDomain(map);
    if (!parsed.ok) throw new Error('bad map');
    const workflowId = `starter-${randomUUID()}`;
    await workflows.handle(
      workflowId,
      () => ({
        type: 'StartWorkflow',
        data: { workflowId, blueprint, input: { order: 42 }, taskToDomain: parsed.value, correlationId: null, firstTaskId: randomUUID(), routing: routing.routingContext(), now: Date.now() },
      }),
      { read: 'new' },
    );
    return workflowId;
  }

  it("starts the run with the attempt's id, the evaluated input and the starter's map, and completes the task with its workflowId", async () => {
    const starterId = await startStarter(starter({ name: 'shipping', input: { order: '${workflow.input.order}' } }), { ship: 'eu,NO_DOMAIN' });
    const state = await reactUntilEnded(starterId);
    if (state.type === 'Empty') throw new Error('no starter');
    const [kick, after] = state.run.tasks;
    expect(kick).toMatchObject({ status: 'COMPLETED', outputData: { workflowId: kick.taskId } });
    expect(after).toMatchObject({ referenceTaskName: 'after', status: 'SCHEDULED', inputData: { started: kick.taskId } });
    const started = await stateOf(kick.taskId);
    if (started.type === 'Empty') throw new Error('nothing started');
    expect(started.type).toBe('Running');
    expect(started.run.parent).toBeNull();
    expect(started.run.input).toEqual({ order: 42 });
    expect(started.run.taskToDomain.ship?.value).toBe('eu,NO_DOMAIN');
  });

  it('starts nothing twice when a page comes again', async () => {
    const starterId = await startStarter(starter({ name: 'shipping' }));
    const before = checkpoint;
    const state = await reactUntilEnded(starterId);
    expect(state.type === 'Running' && state.run.tasks[0].status).toBe('COMPLETED');
    const afterFirst = (await readCommittedEvents(fixture.db, START_CHECKPOINT, 10_000)).length;
    // The same pages again, as a runner that died before its checkpoint gives them.
    const again = await readCommittedEvents(fixture.db, before, 10_000);
    await reactions.apply(fixture.db, again);
    expect((await readCommittedEvents(fixture.db, START_CHECKPOINT, 10_000)).length).toBe(afterFirst);
  });

  it('completes the task with the run it started when the start was made but not reported (a crash between the two)', async () => {
    const starterId = await startStarter(starter({ name: 'shipping' }));
    const state = await stateOf(starterId);
    if (state.type === 'Empty') throw new Error('no starter');
    const kickId = state.run.tasks[0].taskId;
    // The start alone, as a router that died before its report made it.
    await new WorkflowStarts(workflows, definitions, routing).start({
      workflow: { type: 'stored', name: 'shipping', version: null },
      input: {},
      correlationId: null,
      taskToDomain: { raw: {}, path: 'taskToDomain' },
      startedBy: null,
      workflowId: kickId,
    });
    const after = await reactUntilEnded(starterId);
    expect(after.type === 'Running' && after.run.tasks[0]).toMatchObject({ status: 'COMPLETED', outputData: { workflowId: kickId } });
  });

  it('fails the task with the reason when the workflow is unknown, or its map does not fit', async () => {
    const unknownId = await startStarter(starter({ name: 'nowhere', version: 3 }));
    const badMapId = await startStarter(starter({ name: 'shipping', taskToDomain: { ship: `${'d'.repeat(260)}` } }));
    const unknown = await reactUntilEnded(unknownId);
    expect(unknown.type).toBe('Failed');
    expect(unknown.type !== 'Empty' && unknown.run.tasks[0].reasonForIncompletion).toBe('the workflow could not be started: No such workflow found by name: nowhere, version: 3');
    const badMap = await reactUntilEnded(badMapId);
    expect(badMap.type !== 'Empty' && badMap.run.tasks[0]).toMatchObject({ status: 'FAILED', reasonForIncompletion: expect.stringContaining('startWorkflow.taskToDomain.ship') });
  });
});
