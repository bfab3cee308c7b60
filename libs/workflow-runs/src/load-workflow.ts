import { type WorkflowEvent, type WorkflowState, foldEvents, parseTaskToDomain, workflowStreamId } from '@turnout/domain';
import { type SqlRunner, type StoredEvent, readStream } from '@turnout/event-store';
import { traceMetadataOf } from '@turnout/tracing';

export interface LoadedWorkflow {
  state: WorkflowState;
  /** The stream version the state was folded from: the expected version of the next append. */
  version: number;
  /** The run's trace context (its WorkflowStarted's metadata), when it was started with tracing on. */
  traceparent?: string;
}

/**
 * A stored event of a workflow stream as the domain sees it (the stream holds
 * nothing else). Runs started before WorkflowStarted carried parsed rules hold
 * the map as the client wrote it: it was checked then, and is parsed here.
 */
export function workflowEventOf(stored: Pick<StoredEvent, 'type' | 'data'>): WorkflowEvent {
  const event = { type: stored.type, data: stored.data } as WorkflowEvent;
  if (event.type !== 'WorkflowStarted' || !Object.values(event.data.taskToDomain).some((rule) => typeof rule === 'string')) return event;
  const parsed = parseTaskToDomain(event.data.taskToDomain);
  if (!parsed.ok) throw new Error(`stored taskToDomain of ${event.data.workflowId} is invalid: ${JSON.stringify(parsed.errors)}`);
  return { type: event.type, data: { ...event.data, taskToDomain: parsed.value } };
}

export async function loadWorkflow(db: SqlRunner, workflowId: string): Promise<LoadedWorkflow> {
  const stream = await readStream(db, workflowStreamId(workflowId));
  return { state: foldEvents(stream.events.map(workflowEventOf)), version: stream.streamVersion, traceparent: traceMetadataOf(stream.events[0]?.metadata) };
}
