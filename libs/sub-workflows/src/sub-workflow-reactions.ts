import { randomUUID } from 'node:crypto';
import {
  DomainError,
  type Scheduling,
  type WorkflowCommand,
  type WorkflowEvent,
  decide,
  foldEvents,
  messageOf,
  workflowIdOfStream,
  workflowStreamId,
} from '@turnout/domain';
import { type SqlRunner, type StoredEvent, readStream } from '@turnout/event-store';
import type { Projection } from '@turnout/projections';
import { type StartRouting, type WorkflowCommandHandler, workflowEventOf } from '@turnout/workflow-runs';
import { type ChildRunAction, type ChildStart, type RunView, childRunAction } from './child-run-action';

export interface SubWorkflowReactionsDeps {
  /** The one command path to runs, the parents' and the children's. */
  workflows: WorkflowCommandHandler;
  /** The presence a child's first task (and a retry's) is routed by. */
  routing: StartRouting;
  /** Commands that find their work already done are said at debug. */
  logger?: { debug(message: string): void };
}

/** What a page asks to be looked at: a parent's child, or a parent's cancelled attempt (a child's, maybe). */
type Concern = { type: 'child'; parentId: string; childId: string } | { type: 'canceled'; parentId: string; taskIds: Set<string> };

/** A refusal that means another writer (or an earlier delivery of the page) got there first. */
export const isAlreadyDone = (error: unknown): error is DomainError =>
  error instanceof DomainError && (error.code === 'INVALID_STATE' || error.code === 'WORKFLOW_NOT_FOUND' || error.code === 'WORKFLOW_ALREADY_STARTED');

/**
 * What in the page may concern a child run, once per child (and once per run
 * for its cancelled attempts), in the order of the page: a SUB_WORKFLOW
 * attempt scheduled, a child's end (it names its parent), an attempt
 * cancelled (a SUB_WORKFLOW's, unless the page shows it scheduled as another
 * kind; TaskCanceled does not say, so the run is read to know).
 */
function concernsOf(events: readonly StoredEvent[]): Concern[] {
  const concerns = new Map<string, Concern>();
  const otherKinds = new Set<string>();
  const add = (key: string, concern: Concern) => {
    if (!concerns.has(key)) concerns.set(key, concern);
  };
  for (const stored of events) {
    const workflowId = workflowIdOfStream(stored.streamId);
    if (workflowId === null) continue;
    const event = { type: stored.type, data: stored.data } as WorkflowEvent;
    switch (event.type) {
      case 'TaskScheduled':
        if (event.data.kind === 'SUB_WORKFLOW' && event.data.subWorkflow !== undefined) {
          const childId = event.data.subWorkflow.workflowId;
          add(`${workflowId}/${childId}`, { type: 'child', parentId: workflowId, childId });
        } else {
          otherKinds.add(event.data.taskId);
        }
        break;
      case 'WorkflowCompleted':
      case 'WorkflowFailed':
      case 'WorkflowTimedOut':
      case 'WorkflowTerminated':
        if (event.data.parent !== undefined) {
          add(`${event.data.parent.workflowId}/${workflowId}`, { type: 'child', parentId: event.data.parent.workflowId, childId: workflowId });
        }
        break;
      case 'TaskCanceled': {
        if (otherKinds.has(event.data.taskId)) break;
        add(`${workflowId}#canceled`, { type: 'canceled', parentId: workflowId, taskIds: new Set() });
        const canceled = concerns.get(`${workflowId}#canceled`);
        if (canceled?.type === 'canceled') canceled.taskIds.add(event.data.taskId);
        break;
      }
      case 'WorkflowStarted':
      case 'TaskRetryDelayed':
      case 'TaskStarted':
      case 'TaskProgressed':
      case 'TaskTimedOut':
      case 'TaskTimeoutAlerted':
      case 'TaskCompleted':
      case 'TaskFailed':
      case 'WorkflowTimeoutAlerted':
      case 'WorkflowPaused':
      case 'WorkflowResumed':
      case 'WorkflowRetried':
      case 'WorkflowRestarted':
      case 'WorkflowRerun':
      case 'TaskSkipped':
      case 'TaskToDomainChanged':
        break;
      default: {
        const unknownEvent: never = event;
        throw new Error(`unknown event ${JSON.stringify(unknownEvent)}`);
      }
    }
  }
  return [...concerns.values()];
}

async function readRun(db: SqlRunner, workflowId: string): Promise<RunView> {
  const { events } = await readStream(db, workflowStreamId(workflowId));
  return { state: foldEvents(events.map(workflowEventOf)), events };
}

/** The children of those of the run's attempts that are SUB_WORKFLOW attempts. */
function childrenOfCanceled(parent: RunView, taskIds: ReadonlySet<string>): string[] {
  if (parent.state.type === 'Empty') return [];
  return parent.state.run.tasks.flatMap((task) => (taskIds.has(task.taskId) && task.subWorkflow !== undefined ? [task.subWorkflow.workflowId] : []));
}

/**
 * The reactions that run a parent's child runs (SUB_WORKFLOW): start the
 * child, end the parent's attempt with it, retry it with the parent, terminate
 * it when the parent no longer waits. A projection of the log only in that it
 * follows it (it keeps no table): for each child a page concerns it reads both
 * runs afresh and gives the commands that bring them in line (childRunAction),
 * so a page that comes again finds nothing more to do. The commands are
 * appended on their own, outside the page's transaction: should that roll
 * back, the page comes again and decides nothing new.
 */
export function subWorkflowReactions({ workflows, routing, logger }: SubWorkflowReactionsDeps): Projection {
  const scheduling = (): Scheduling => ({ nextTaskId: randomUUID(), routing: routing.routingContext(), now: Date.now() });

  /** A command whose work another writer already did is no failure of the page. */
  const give = async (workflowId: string, command: () => WorkflowCommand, read: 'fresh' | 'new' = 'fresh'): Promise<void> => {
    try {
      await workflows.handle(workflowId, command, { read });
    } catch (error) {
      if (!isAlreadyDone(error)) throw error;
      logger?.debug(`sub-workflow reaction on ${workflowId}: already done (${error.message})`);
    }
  };

  const reportToParent = (parentId: string, childId: string, action: Extract<ChildRunAction, { type: 'ReportToParent' }>) =>
    give(parentId, () => ({
      type: 'RecordSubWorkflowResult',
      data: { ...scheduling(), taskId: action.parentTaskId, subWorkflowId: childId, status: action.status, output: action.output, reasonForIncompletion: action.reasonForIncompletion },
    }));

  const startChild = async (childId: string, start: ChildStart): Promise<void> => {
    await routing.caughtUp();
    const command: WorkflowCommand = { type: 'StartWorkflow', data: { workflowId: childId, ...start, firstTaskId: randomUUID(), ...scheduling() } };
    try {
      // The same decision the handler makes, made here first: a child that cannot start (nothing in it
      // is checked again here) would fail the same way on every delivery and hold the log; the parent's task fails instead.
      decide(command, { type: 'Empty' });
    } catch (error) {
      await reportToParent(start.parent.workflowId, childId, {
        type: 'ReportToParent',
        parentTaskId: start.parent.taskId,
        status: 'FAILED',
        output: {},
        reasonForIncompletion: `it could not be started: ${messageOf(error)}`,
      });
      return;
    }
    await give(childId, () => command, 'new');
  };

  const carryOut = async (parentId: string, childId: string, action: ChildRunAction): Promise<void> => {
    switch (action.type) {
      case 'Nothing':
        return;
      case 'StartChild':
        return startChild(childId, action.start);
      case 'ReportToParent':
        return reportToParent(parentId, childId, action);
      case 'RetryChild':
        return give(childId, () => ({ type: 'RetryWorkflow', data: scheduling() }));
      case 'RestartChild':
        return give(childId, () => ({ type: 'RestartWorkflow', data: scheduling() }));
      case 'TerminateChild':
        return give(childId, () => ({ type: 'TerminateWorkflow', data: { reason: action.reason, now: Date.now() } }));
      default: {
        const unknownAction: never = action;
        throw new Error(`unknown child run action ${JSON.stringify(unknownAction)}`);
      }
    }
  };

  return {
    name: 'sub-workflows',
    async apply(tx, events) {
      for (const concern of concernsOf(events)) {
        const parent = await readRun(tx, concern.parentId);
        const childIds = concern.type === 'child' ? [concern.childId] : childrenOfCanceled(parent, concern.taskIds);
        for (const childId of childIds) {
          const child = await readRun(tx, childId);
          await carryOut(concern.parentId, childId, childRunAction(concern.parentId, parent, childId, child));
        }
      }
    },
  };
}
