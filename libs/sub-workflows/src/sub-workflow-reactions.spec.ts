import { randomUUID } from 'node:crypto';
import {
  PresenceSnapshot,
  type Scheduling,
  type TaskRun,
  type TaskToDomain,
  type WorkflowBlueprint,
  type WorkflowCommand,
  type WorkflowState,
  foldEvents,
  parseTaskToDomain,
  workflowStreamId,
} from '@turnout/domain';
import { BatchedAppender, type Checkpoint, START_CHECKPOINT, type StoredEvent, readCommittedEvents, readStream } from '@turnout/event-store';
import { WorkflowCommandHandler, workflowEventOf } from '@turnout/workflow-runs';
import { migratedDatabaseForSuite } from '../../../test/support/migrated-database';
import { subWorkflowReactions } from './sub-workflow-reactions';

const routing = { presence: new PresenceSnapshot(), activeWorkerTimeoutMs: 10_000 };
const scheduling = (): Scheduling => ({ nextTaskId: randomUUID(), routing, now: Date.now() });

function mapOf(raw: Record<string, string>): TaskToDomain {
  const parsed = parseTaskToDomain(raw);
  if (!parsed.ok) throw new Error(`bad map ${JSON.stringify(parsed.errors)}`);
  return parsed.value;
}

const simple = (name: string, inputParameters: Record<string, unknown> = {}) => ({
  taskType: name,
  referenceTaskName: name,
  inputParameters,
  retryCount: 0,
  responseTimeoutSeconds: 60,
});

const childBlueprint: WorkflowBlueprint = {
  name: 'child',
  version: 1,
  tasks: [simple('child_work', { x: '${workflow.input.x}' })],
  outputParameters: { result: '${child_work.output.result}' },
};

/** A SUB_WORKFLOW task, then a task that reads the child's output. */
function parentBlueprint(child: WorkflowBlueprint, taskToDomain: TaskToDomain | null = null): WorkflowBlueprint {
  return {
    name: 'parent',
    version: 1,
    tasks: [
      { kind: 'SUB_WORKFLOW', taskType: 'SUB_WORKFLOW', referenceTaskName: 'sub', inputParameters: { x: '${workflow.input.x}' }, blueprint: child, taskToDomain },
      simple('after', { fromChild: '${sub.output.result}', childId: '${sub.output.subWorkflowId}' }),
    ],
    outputParameters: null,
  };
}

describe('subWorkflowReactions (child runs of SUB_WORKFLOW tasks)', () => {
  const fixture = migratedDatabaseForSuite('sub_workflows');
  let workflows: WorkflowCommandHandler;
  let reactions: ReturnType<typeof subWorkflowReactions>;
  let checkpoint: Checkpoint = START_CHECKPOINT;
  /** Every page the reactions were given in this test, in order. */
  let pages: StoredEvent[][];

  beforeEach(() => {
    workflows = new WorkflowCommandHandler(fixture.db, new BatchedAppender(fixture.db));
    reactions = subWorkflowReactions({ workflows, routing: { caughtUp: () => Promise.resolve(), routingContext: () => routing } });
    pages = [];
  });

  /** Whether the log holds events past the checkpoint that the gap-safe read does not give yet. */
  async function heldBack(): Promise<boolean> {
    const rows: Array<{ held: boolean }> = await fixture.db.query(
      'select exists(select 1 from turnout_events where (transaction_id, global_position) > ($1::xid8, $2::bigint)) as held',
      [checkpoint.transactionId, checkpoint.globalPosition],
    );
    return rows[0].held;
  }

  /**
   * The reactions follow the log as the runner does, a page at a time, until
   * they have read everything appended: a transaction open anywhere on the
   * server (another suite's) holds the gap-safe read back for a moment.
   */
  async function react(): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (let page = 0; page < 50; ) {
      const events = await readCommittedEvents(fixture.db, checkpoint, 100);
      if (events.length === 0) {
        if (!(await heldBack())) return;
        if (Date.now() > deadline) throw new Error('the log was held back for 10 s');
        await new Promise((resolve) => setTimeout(resolve, 20));
        continue;
      }
      page += 1;
      await reactions.apply(fixture.db, events);
      pages.push(events);
      const last = events[events.length - 1];
      checkpoint = { transactionId: last.transactionId, globalPosition: last.globalPosition };
    }
    throw new Error('the reactions did not settle after 50 pages');
  }

  async function stateOf(workflowId: string): Promise<WorkflowState> {
    return foldEvents((await readStream(fixture.db, workflowStreamId(workflowId))).events.map(workflowEventOf));
  }
  async function runOf(workflowId: string) {
    const state = await stateOf(workflowId);
    if (state.type === 'Empty') throw new Error(`no run ${workflowId}`);
    return { state, run: state.run };
  }
  const streamVersion = async (workflowId: string) => (await readStream(fixture.db, workflowStreamId(workflowId))).streamVersion;

  async function startParent(blueprint: WorkflowBlueprint, taskToDomain: TaskToDomain = {}): Promise<{ parentId: string; subTask: TaskRun }> {
    const parentId = `parent-${randomUUID()}`;
    await workflows.handle(
      parentId,
      () => ({
        type: 'StartWorkflow',
        data: { workflowId: parentId, blueprint, input: { x: 7 }, taskToDomain, correlationId: 'order-42', firstTaskId: randomUUID(), ...scheduling() },
      }),
      { read: 'new' },
    );
    const { run } = await runOf(parentId);
    return { parentId, subTask: run.tasks[0] };
  }

  async function openTask(workflowId: string, referenceTaskName: string): Promise<TaskRun> {
    const { run } = await runOf(workflowId);
    const task = run.tasks.find((candidate) => candidate.referenceTaskName === referenceTaskName && (candidate.status === 'SCHEDULED' || candidate.status === 'IN_PROGRESS'));
    if (task === undefined) throw new Error(`no open ${referenceTaskName} in ${workflowId}`);
    return task;
  }

  async function report(workflowId: string, referenceTaskName: string, status: 'COMPLETED' | 'FAILED', outputData: Record<string, unknown> = {}): Promise<void> {
    const task = await openTask(workflowId, referenceTaskName);
    const command: WorkflowCommand = {
      type: 'RecordTaskResult',
      data: { taskId: task.taskId, status, outputData, reasonForIncompletion: status === 'FAILED' ? 'card declined' : null, workerId: 'w', callbackAfterSeconds: null, ...scheduling() },
    };
    await workflows.handle(workflowId, () => command, { read: 'fresh' });
  }

  it("starts the child with its parent's ids, the task's input, the parent's correlation id and the parent's map", async () => {
    const parentMap = mapOf({ '*': 'tenant_x,NO_DOMAIN' });
    const { parentId, subTask } = await startParent(parentBlueprint(childBlueprint), parentMap);
    await react();

    const childId = subTask.subWorkflow?.workflowId ?? 'none';
    expect(childId).toBe(subTask.taskId);
    const { state, run } = await runOf(childId);
    expect(state.type).toBe('Running');
    expect(run.parent).toEqual({ workflowId: parentId, taskId: subTask.taskId });
    expect(run.input).toEqual({ x: 7 });
    expect(run.correlationId).toBe('order-42');
    expect(run.taskToDomain).toEqual(parentMap);
    expect(run.tasks.map((task) => [task.referenceTaskName, task.inputData])).toEqual([['child_work', { x: 7 }]]);
  });

  it("gives the child subWorkflowParam.taskToDomain instead of the parent's map, whole", async () => {
    const ownMap = mapOf({ child_work: 'tenant_y' });
    const { subTask } = await startParent(parentBlueprint(childBlueprint, ownMap), mapOf({ '*': 'tenant_x', other: 'tenant_z' }));
    await react();

    const { run } = await runOf(subTask.taskId);
    expect(run.taskToDomain).toEqual(ownMap);
    // The parent's map would have sent it to tenant_x.
    expect(run.tasks[0].domain).toBe('tenant_y');
  });

  it("completes the parent's task with the child's output and subWorkflowId when the child completes, and the parent goes on", async () => {
    const { parentId, subTask } = await startParent(parentBlueprint(childBlueprint));
    await react();
    await report(subTask.taskId, 'child_work', 'COMPLETED', { result: 'done' });
    await react();

    const { run } = await runOf(parentId);
    expect(run.tasks[0]).toMatchObject({ status: 'COMPLETED', outputData: { result: 'done', subWorkflowId: subTask.taskId } });
    expect(run.tasks[1]).toMatchObject({ referenceTaskName: 'after', status: 'SCHEDULED', inputData: { fromChild: 'done', childId: subTask.taskId } });
  });

  it("fails the parent's task, naming the child, when the child fails", async () => {
    const { parentId, subTask } = await startParent(parentBlueprint(childBlueprint));
    await react();
    await report(subTask.taskId, 'child_work', 'FAILED');
    await react();

    const { state, run } = await runOf(parentId);
    expect(run.tasks[0].status).toBe('FAILED');
    expect(run.tasks[0].reasonForIncompletion).toContain(`sub-workflow ${subTask.taskId} FAILED`);
    expect(state.type).toBe('Failed');
  });

  it('terminates the child when the parent is terminated', async () => {
    const { parentId, subTask } = await startParent(parentBlueprint(childBlueprint));
    await react();
    await workflows.handle(parentId, () => ({ type: 'TerminateWorkflow', data: { reason: 'customer left', now: Date.now() } }), { read: 'fresh' });
    await react();

    const child = await stateOf(subTask.taskId);
    expect(child.type).toBe('Terminated');
    if (child.type !== 'Terminated') return;
    expect(child.reasonForIncompletion).toContain(parentId);
    expect(child.reasonForIncompletion).toContain('customer left');
  });

  it('retries the failed child (the same run) when the failed parent is retried, and the parent completes when the child does', async () => {
    const { parentId, subTask } = await startParent(parentBlueprint(childBlueprint));
    await react();
    await report(subTask.taskId, 'child_work', 'FAILED');
    await react();
    expect((await stateOf(parentId)).type).toBe('Failed');

    await workflows.handle(parentId, () => ({ type: 'RetryWorkflow', data: scheduling() }), { read: 'fresh' });
    await react();
    const retried = await openTask(parentId, 'sub');
    expect(retried.taskId).not.toBe(subTask.taskId);
    expect(retried.subWorkflow?.workflowId).toBe(subTask.taskId);
    expect((await stateOf(subTask.taskId)).type).toBe('Running');

    await report(subTask.taskId, 'child_work', 'COMPLETED', { result: 'second time' });
    await react();
    await report(parentId, 'after', 'COMPLETED', { shipped: true });
    const parent = await stateOf(parentId);
    expect(parent.type).toBe('Completed');
    if (parent.type !== 'Completed') return;
    expect(parent.run.tasks.find((task) => task.taskId === retried.taskId)?.outputData).toEqual({ result: 'second time', subWorkflowId: subTask.taskId });
  });

  it('restarts a child that was terminated on its own when its failed parent is retried', async () => {
    const { parentId, subTask } = await startParent(parentBlueprint(childBlueprint));
    await react();
    await workflows.handle(subTask.taskId, () => ({ type: 'TerminateWorkflow', data: { reason: 'by hand', now: Date.now() } }), { read: 'fresh' });
    await react();
    expect((await stateOf(parentId)).type).toBe('Failed');

    await workflows.handle(parentId, () => ({ type: 'RetryWorkflow', data: scheduling() }), { read: 'fresh' });
    await react();
    const child = await runOf(subTask.taskId);
    expect(child.state.type).toBe('Running');
    expect(child.run.tasks.map((task) => task.status)).toEqual(['SCHEDULED']);
  });

  it("fails the parent's task, instead of holding the log, when the child cannot start", async () => {
    // A blueprint no definition freezes to: its sequence names a task it does not have.
    const broken: WorkflowBlueprint = { name: 'broken', version: 1, tasks: [], sequence: [3], outputParameters: null };
    const { parentId, subTask } = await startParent(parentBlueprint(broken));
    await react();

    expect((await stateOf(subTask.taskId)).type).toBe('Empty');
    const { state, run } = await runOf(parentId);
    expect(state.type).toBe('Failed');
    expect(run.tasks[0].reasonForIncompletion).toContain('could not be started');
  });

  it('decides nothing new when pages come again (duplicate delivery)', async () => {
    const { parentId, subTask } = await startParent(parentBlueprint(childBlueprint));
    await react();
    await report(subTask.taskId, 'child_work', 'FAILED');
    await react();
    await workflows.handle(parentId, () => ({ type: 'RetryWorkflow', data: scheduling() }), { read: 'fresh' });
    await react();
    const versions = [await streamVersion(parentId), await streamVersion(subTask.taskId)];

    // Every page of the story again, in order, and then once more all together.
    for (const page of pages) await reactions.apply(fixture.db, page);
    await reactions.apply(fixture.db, pages.flat());

    expect([await streamVersion(parentId), await streamVersion(subTask.taskId)]).toEqual(versions);
    expect((await stateOf(subTask.taskId)).type).toBe('Running');
    expect((await openTask(parentId, 'sub')).subWorkflow?.workflowId).toBe(subTask.taskId);
  });
});
