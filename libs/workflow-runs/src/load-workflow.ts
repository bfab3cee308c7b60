import { type WorkflowEvent, type WorkflowState, foldEvents, workflowStreamId } from '@turnout/domain';
import { type SqlRunner, type StoredEvent, readStream } from '@turnout/event-store';

export interface LoadedWorkflow {
  state: WorkflowState;
  /** The stream version the state was folded from: the expected version of the next append. */
  version: number;
}

/** A stored event of a workflow stream as the domain sees it (the stream holds nothing else). */
export function workflowEventOf(stored: Pick<StoredEvent, 'type' | 'data'>): WorkflowEvent {
  return { type: stored.type, data: stored.data } as WorkflowEvent;
}

export async function loadWorkflow(db: SqlRunner, workflowId: string): Promise<LoadedWorkflow> {
  const stream = await readStream(db, workflowStreamId(workflowId));
  return { state: foldEvents(stream.events.map(workflowEventOf)), version: stream.streamVersion };
}
