/**
 * Turnout's OpenTelemetry traces, behind a small interface of its own: with no
 * OTEL_EXPORTER_OTLP_ENDPOINT nothing of OpenTelemetry is loaded, and a call
 * site pays one `activeTracing()?.` (no span, no attributes built). Spans are
 * parented explicitly by W3C `traceparent` strings (in AMQP headers, in the
 * log's event metadata), not through a context manager: that would run every
 * async step in an AsyncLocalStorage, which costs promise-heavy code dearly on
 * Node 20 (see docs/architecture.md, "Logs").
 */

/** Attribute values; null and undefined are left out of the span. */
export type SpanAttributes = Readonly<Record<string, string | number | boolean | null | undefined>>;

/** What a span stands for, as OpenTelemetry's SpanKind says it. */
export type SpanRole = 'server' | 'client' | 'producer' | 'consumer' | 'internal';

export interface SpanStart {
  /** The parent's W3C traceparent; none (or one that does not parse): a trace of its own. */
  parent?: string | null;
  role?: SpanRole;
  attributes?: SpanAttributes;
}

export interface TracedSpan {
  /** This span's W3C traceparent: what its children name as their parent. */
  readonly traceparent: string;
  setAttributes(attributes: SpanAttributes): void;
  /** Marks the span failed with the error's message (it still needs end()). */
  fail(error: unknown): void;
  end(): void;
}

export interface Tracing {
  startSpan(name: string, start?: SpanStart): TracedSpan;
  /** Exports the spans ended so far. */
  flush(): Promise<void>;
  /** Exports what is left and stops. */
  shutdown(): Promise<void>;
}

/** The spans of a run's path, one name each (the e2e test reads the same). */
export const SPAN_NAMES = {
  /** A run starts (the api's POST /api/workflow, a message's start). */
  start: 'turnout.start',
  /** A task is scheduled: its domain, queue and routing rule as attributes. */
  schedule: 'turnout.schedule',
  /** The relay publishes the task message to its queue (until the broker confirms it). */
  publish: 'turnout.publish',
  /** A worker of the TypeScript SDK runs the task, until its result is confirmed and the task acked. */
  execute: 'turnout.execute',
  /** A router records a worker's result (and decides what follows). */
  record: 'turnout.record',
} as const;

/** Attribute keys of Turnout's spans. */
export const SPAN_ATTRIBUTES = {
  workflowId: 'turnout.workflow.id',
  workflowType: 'turnout.workflow.type',
  taskId: 'turnout.task.id',
  taskType: 'turnout.task.type',
  domain: 'turnout.domain',
  queue: 'turnout.queue',
  routingRule: 'turnout.routing.rule',
  resultStatus: 'turnout.result.status',
} as const;

/** Ends each span, each marked failed when there was an error. */
export function endSpans(spans: Iterable<TracedSpan>, error?: unknown): void {
  for (const span of spans) {
    if (error !== undefined) span.fail(error);
    span.end();
  }
}

let active: Tracing | undefined;

/** The process's tracing, or undefined when it is off. */
export function activeTracing(): Tracing | undefined {
  return active;
}

/**
 * Turns tracing on for this process when `endpoint` is set (loading the
 * OpenTelemetry SDK only then), with `serviceName` on every span; a second call
 * keeps the first. Off (null): nothing is loaded.
 */
export function startTracing(endpoint: string | null, serviceName: string): Tracing | undefined {
  if (endpoint === null || active !== undefined) return active;
  // Required here, not imported at the top: a process without an endpoint never loads the SDK.
  const { OtlpTracing } = require('./otlp-tracing') as typeof import('./otlp-tracing');
  active = new OtlpTracing(endpoint, serviceName);
  return active;
}

/** Exports what is left and turns tracing off (a process's last step). */
export async function stopTracing(): Promise<void> {
  const stopping = active;
  active = undefined;
  await stopping?.shutdown();
}
