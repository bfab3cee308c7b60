import { type WorkflowCommand, type WorkflowEvent, type WorkflowState, decide, workflowStreamId } from '@turnout/domain';
import { type SqlRunner, VersionConflictError, appendToStream } from '@turnout/event-store';
import { loadWorkflow } from './load-workflow';

const MAX_ATTEMPTS = 10;

/**
 * Read the run, decide, append with the version read. Another writer in
 * between makes the append conflict: re-read and decide again, so two routers
 * handling the same run can never both schedule a task.
 */
export async function handleWorkflowCommand(
  db: SqlRunner,
  workflowId: string,
  commandFor: (state: WorkflowState) => WorkflowCommand,
): Promise<WorkflowEvent[]> {
  for (let attempt = 1; ; attempt += 1) {
    const { state, version } = await loadWorkflow(db, workflowId);
    const events = decide(commandFor(state), state);
    if (events.length === 0) return events;
    try {
      await appendToStream(db, workflowStreamId(workflowId), version, events);
      return events;
    } catch (error) {
      if (!(error instanceof VersionConflictError) || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}
