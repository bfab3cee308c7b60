/**
 * The trace context an event carries in the log (its `metadata`): a run's
 * WorkflowStarted holds the start's, so that what the run does later without a
 * message to continue (a timer, an operator's action) joins the run's trace;
 * a TaskScheduled holds its scheduling span's, which the relay's publish continues.
 */
export interface TraceMetadata {
  traceparent: string;
}

export function traceMetadataOf(metadata: Record<string, unknown> | null | undefined): string | undefined {
  const traceparent = metadata?.traceparent;
  return typeof traceparent === 'string' ? traceparent : undefined;
}
