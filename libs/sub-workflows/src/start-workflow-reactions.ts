import { randomUUID } from 'node:crypto';
import { type WorkflowEvent, describeFieldErrors, isOpenTask, workflowIdOfStream } from '@turnout/domain';
import type { StoredEvent } from '@turnout/event-store';
import type { Projection } from '@turnout/projections';
import { type RunStartOutcome, type StartRouting, type WorkflowCommandHandler, type WorkflowStarts, loadWorkflow } from '@turnout/workflow-runs';
import { isAlreadyDone } from './sub-workflow-reactions';

export interface StartWorkflowReactionsDeps {
  /** The one command path: the starting run's attempt ends through it. */
  workflows: WorkflowCommandHandler;
  /** The one start path, as the api's and event handlers' starts. */
  starts: WorkflowStarts;
  /** The presence what follows the attempt is routed by. */
  routing: StartRouting;
  logger?: { debug(message: string): void };
}

/** How a START_WORKFLOW attempt ends, from what its start came to. */
function resultOf(outcome: RunStartOutcome): { status: 'COMPLETED' | 'FAILED'; outputData: Record<string, unknown>; reasonForIncompletion: string | null } {
  switch (outcome.type) {
    case 'started':
    case 'already-started':
      return { status: 'COMPLETED', outputData: { workflowId: outcome.workflowId }, reasonForIncompletion: null };
    case 'invalid':
      return { status: 'FAILED', outputData: {}, reasonForIncompletion: `the workflow could not be started: ${describeFieldErrors(outcome.errors)}` };
    case 'unknown-workflow':
      return { status: 'FAILED', outputData: {}, reasonForIncompletion: `the workflow could not be started: ${outcome.message}` };
    default: {
      const unknownOutcome: never = outcome;
      throw new Error(`unknown start outcome ${JSON.stringify(unknownOutcome)}`);
    }
  }
}

/** The START_WORKFLOW attempts scheduled in the page: their run and id. */
function scheduledStarts(events: readonly StoredEvent[]): Array<{ workflowId: string; taskId: string }> {
  return events.flatMap((stored) => {
    const workflowId = workflowIdOfStream(stored.streamId);
    if (workflowId === null || stored.type !== 'TaskScheduled') return [];
    const { data } = { type: stored.type, data: stored.data } as Extract<WorkflowEvent, { type: 'TaskScheduled' }>;
    return data.kind === 'START_WORKFLOW' && data.startWorkflow !== undefined ? [{ workflowId, taskId: data.taskId }] : [];
  });
}

/**
 * START_WORKFLOW (fire and forget): for each attempt scheduled, the router
 * starts the run it asks for through WorkflowStarts, with the attempt's id as
 * the new run's id, and ends the attempt (`{workflowId}`, or FAILED with the
 * reason the start was refused). The run read afresh decides: an attempt no
 * longer open (a page that comes again, another router first) starts nothing,
 * and a start that came again finds its run (already-started) and completes
 * the attempt with it. The started run is no child: nothing ties their ends.
 */
export function startWorkflowReactions({ workflows, starts, routing, logger }: StartWorkflowReactionsDeps): Projection {
  return {
    name: 'start-workflow',
    async apply(tx, events) {
      for (const { workflowId, taskId } of scheduledStarts(events)) {
        const { state } = await loadWorkflow(tx, workflowId);
        if (state.type === 'Empty') continue;
        const attempt = state.run.tasks.find((task) => task.taskId === taskId);
        if (attempt?.startWorkflow === undefined || !isOpenTask(attempt)) continue;
        const request = attempt.startWorkflow;
        const outcome = await starts.start({
          workflow: { type: 'stored', name: request.name, version: request.version },
          input: request.input,
          correlationId: request.correlationId,
          taskToDomain: { raw: request.taskToDomain, path: 'startWorkflow.taskToDomain' },
          startedBy: null,
          workflowId: taskId,
        });
        try {
          await workflows.handle(
            workflowId,
            () => ({ type: 'RecordSystemTaskResult', data: { taskId, ...resultOf(outcome), nextTaskId: randomUUID(), routing: routing.routingContext(), now: Date.now() } }),
            { read: 'fresh' },
          );
        } catch (error) {
          if (!isAlreadyDone(error)) throw error;
          logger?.debug(`start-workflow reaction on ${workflowId}: already done (${error.message})`);
        }
      }
    },
  };
}
