import type { WorkflowEvent } from '@turnout/domain';
import type { NewEvent } from '@turnout/event-store';
import { SPAN_ATTRIBUTES, SPAN_NAMES, type TraceMetadata, type TracedSpan, type Tracing, endSpans } from '@turnout/tracing';

/** A decision's events as appended with their trace context, and the scheduling spans to end with the append. */
export interface TracedDecision {
  events: NewEvent[];
  /** The run's trace context, as its WorkflowStarted records it (when this decision starts the run). */
  runTraceparent: string | undefined;
  settle(error?: unknown): void;
}

/**
 * Each TaskScheduled gets a scheduling span (domain, queue, routing rule), a
 * child of `parent` (the span of what caused the decision, else the run's own
 * context), and carries its traceparent in its metadata for the relay; a
 * WorkflowStarted carries `parent` itself, the run's context from then on.
 */
export function tracedDecision(tracing: Tracing, workflowId: string, events: readonly WorkflowEvent[], parent: string | undefined): TracedDecision {
  const spans: TracedSpan[] = [];
  let runTraceparent: string | undefined;
  const traced = events.map((event): NewEvent => {
    if (event.type === 'WorkflowStarted' && parent !== undefined) {
      runTraceparent = parent;
      return { ...event, metadata: { traceparent: parent } satisfies TraceMetadata };
    }
    if (event.type !== 'TaskScheduled') return event;
    const { taskId, taskType, workflowType, domain, queueName, routing } = event.data;
    const span = tracing.startSpan(SPAN_NAMES.schedule, {
      parent,
      attributes: {
        [SPAN_ATTRIBUTES.workflowId]: workflowId,
        [SPAN_ATTRIBUTES.workflowType]: workflowType,
        [SPAN_ATTRIBUTES.taskId]: taskId,
        [SPAN_ATTRIBUTES.taskType]: taskType,
        [SPAN_ATTRIBUTES.domain]: domain,
        [SPAN_ATTRIBUTES.queue]: queueName,
        [SPAN_ATTRIBUTES.routingRule]: routing.rule,
      },
    });
    spans.push(span);
    return { ...event, metadata: { traceparent: span.traceparent } satisfies TraceMetadata };
  });
  return {
    events: traced,
    runTraceparent,
    settle: (error?: unknown) => endSpans(spans, error),
  };
}
