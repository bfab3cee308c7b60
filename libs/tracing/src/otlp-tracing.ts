import { type Span, SpanKind, SpanStatusCode, ROOT_CONTEXT, defaultTextMapGetter, defaultTextMapSetter, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { messageOf } from '@turnout/domain';
import type { SpanAttributes, SpanRole, SpanStart, TracedSpan, Tracing } from './tracing';

const KINDS: { readonly [R in SpanRole]: SpanKind } = {
  server: SpanKind.SERVER,
  client: SpanKind.CLIENT,
  producer: SpanKind.PRODUCER,
  consumer: SpanKind.CONSUMER,
  internal: SpanKind.INTERNAL,
};

const propagator = new W3CTraceContextPropagator();

/** Spans batched and posted as OTLP/HTTP JSON to `<endpoint>/v1/traces`. Loaded by startTracing only. */
export class OtlpTracing implements Tracing {
  private readonly provider: BasicTracerProvider;
  private readonly tracer;

  constructor(endpoint: string, serviceName: string) {
    this.provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName }),
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${endpoint}/v1/traces` }))],
    });
    this.tracer = this.provider.getTracer('turnout');
  }

  startSpan(name: string, { parent, role = 'internal', attributes }: SpanStart = {}): TracedSpan {
    const context = parent === undefined || parent === null ? ROOT_CONTEXT : propagator.extract(ROOT_CONTEXT, { traceparent: parent }, defaultTextMapGetter);
    return new OtlpSpan(this.tracer.startSpan(name, { kind: KINDS[role], attributes: definedAttributes(attributes) }, context));
  }

  flush(): Promise<void> {
    return this.provider.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.provider.shutdown();
  }
}

class OtlpSpan implements TracedSpan {
  readonly traceparent: string;

  constructor(private readonly span: Span) {
    const carrier: Record<string, string> = {};
    propagator.inject(trace.setSpan(ROOT_CONTEXT, span), carrier, defaultTextMapSetter);
    this.traceparent = carrier.traceparent ?? '';
  }

  setAttributes(attributes: SpanAttributes): void {
    this.span.setAttributes(definedAttributes(attributes));
  }

  fail(error: unknown): void {
    this.span.setStatus({ code: SpanStatusCode.ERROR, message: messageOf(error) });
  }

  end(): void {
    this.span.end();
  }
}

function definedAttributes(attributes: SpanAttributes = {}): Record<string, string | number | boolean> {
  const defined: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(attributes)) if (value !== null && value !== undefined) defined[key] = value;
  return defined;
}
