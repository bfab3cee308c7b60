import { type WorkflowEvent, type WorkflowState, foldEvents, workflowStreamId } from '@turnout/domain';
import { type SqlRunner, readStream } from '@turnout/event-store';

export interface LoadedWorkflow {
  state: WorkflowState;
  /** The stream version the state was folded from: the expected version of the next append. */
  version: number;
}

export async function loadWorkflow(db: SqlRunner, workflowId: string): Promise<LoadedWorkflow> {
  const stream = await readStream(db, workflowStreamId(workflowId));
  const events = stream.events.map((event) => ({ type: event.type, data: event.data }) as WorkflowEvent);
  return { state: foldEvents(events), version: stream.streamVersion };
}
