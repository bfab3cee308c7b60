import {
  type EventOf,
  PresenceSnapshot,
  type SimpleBlueprintTask,
  type StartedWorkflow,
  type WorkflowBlueprint,
  type WorkflowCommand,
  type WorkflowEvent,
  decide,
  foldEvents,
} from '@turnout/domain';

const NOW = 1_700_000_000_000;
const routing = { presence: new PresenceSnapshot(), activeWorkerTimeoutMs: 10_000 };

const simple = (taskType: string, referenceTaskName: string): SimpleBlueprintTask => ({
  taskType,
  referenceTaskName,
  inputParameters: {},
  retryCount: 0,
  responseTimeoutSeconds: 30,
});

export const childBlueprint: WorkflowBlueprint = { name: 'shipping', version: 1, tasks: [simple('label', 'label')], outputParameters: null };

/**
 * fork ─┬─ charge → receipt ─┐
 *       └─ pack ─────────────┴─ join → route ─┬─ gold: express
 *                                             └─ default: standard (a child run)
 */
export const orderBlueprint: WorkflowBlueprint = {
  name: 'order',
  version: 1,
  tasks: [
    { kind: 'FORK_JOIN', taskType: 'FORK', referenceTaskName: 'fork', inputParameters: {}, branches: [[1, 2], [3]] },
    simple('charge', 'charge'),
    simple('mail', 'receipt'),
    simple('pack', 'pack'),
    { kind: 'JOIN', taskType: 'JOIN', referenceTaskName: 'join', inputParameters: {}, joinOn: ['receipt', 'pack'] },
    { kind: 'SWITCH', taskType: 'SWITCH', referenceTaskName: 'route', inputParameters: { tier: '${workflow.input.tier}' }, expression: 'tier', decisionCases: { gold: [6] }, defaultCase: [7] },
    simple('ship', 'express'),
    { kind: 'SUB_WORKFLOW', taskType: 'SUB_WORKFLOW', referenceTaskName: 'standard', inputParameters: {}, blueprint: childBlueprint, taskToDomain: null },
  ],
  sequence: [0, 4, 5],
  outputParameters: null,
};

const completed = (taskId: string, nextTaskId: string): WorkflowCommand => ({
  type: 'RecordTaskResult',
  data: { taskId, status: 'COMPLETED', outputData: {}, reasonForIncompletion: null, workerId: 'w', callbackAfterSeconds: null, nextTaskId, routing, now: NOW },
});

function play(commands: Array<(events: readonly WorkflowEvent[]) => WorkflowCommand>): WorkflowEvent[] {
  const history: WorkflowEvent[] = [];
  for (const commandFor of commands) history.push(...decide(commandFor(history), foldEvents(history)));
  return history;
}

const taskIdOf = (events: readonly WorkflowEvent[], reference: string): string => {
  const scheduled = events.filter((event): event is EventOf<'TaskScheduled'> => event.type === 'TaskScheduled' && event.data.referenceTaskName === reference);
  if (scheduled.length === 0) throw new Error(`${reference} was not scheduled`);
  return scheduled[scheduled.length - 1].data.taskId;
};

const started = (events: readonly WorkflowEvent[]): StartedWorkflow => {
  const state = foldEvents(events);
  if (state.type === 'Empty') throw new Error('the run did not start');
  return state;
};

/** The order run (tier silver) with both branches done, waiting on its child; and the child, just started. */
export function orderRunAtItsChild(): { parent: StartedWorkflow; child: StartedWorkflow } {
  const parentEvents = play([
    () => ({ type: 'StartWorkflow', data: { workflowId: 'order-1', blueprint: orderBlueprint, input: { tier: 'silver' }, taskToDomain: {}, correlationId: null, firstTaskId: 't1', routing, now: NOW } }),
    (events) => completed(taskIdOf(events, 'charge'), 'r1'),
    (events) => completed(taskIdOf(events, 'receipt'), 'r2'),
    (events) => completed(taskIdOf(events, 'pack'), 'r3'),
  ]);
  const parent = started(parentEvents);
  const standard = parent.run.tasks.find((task) => task.referenceTaskName === 'standard');
  if (standard?.subWorkflow === undefined) throw new Error('the sub-workflow was not scheduled');
  const child = started(
    decide(
      {
        type: 'StartWorkflow',
        data: {
          workflowId: standard.subWorkflow.workflowId,
          blueprint: childBlueprint,
          input: {},
          taskToDomain: standard.subWorkflow.taskToDomain,
          correlationId: null,
          firstTaskId: 'c1',
          routing,
          now: NOW,
          parent: { workflowId: parent.run.workflowId, taskId: standard.taskId },
        },
      },
      { type: 'Empty' },
    ),
  );
  return { parent, child };
}
