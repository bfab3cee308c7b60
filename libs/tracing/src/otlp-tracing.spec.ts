import { traceparentOf, withTraceparent } from './amqp-trace-headers';
import { OtlpTracing } from './otlp-tracing';
import { SPAN_NAMES } from './tracing';

/** [trace id, span id] of a W3C traceparent. */
const idsOf = (traceparent: string): string[] => traceparent.split('-').slice(1, 3);

// Export itself is covered by test/e2e/traces.e2e-spec.ts, in real processes: the OTLP exporter loads
// Node's http with a dynamic import, which Jest's module system cannot run. No span is ended here, so none is exported.
describe('OtlpTracing: spans parented by W3C traceparent strings', () => {
  const tracing = new OtlpTracing('http://127.0.0.1:9', 'turnout-test');
  afterAll(() => tracing.shutdown());

  it('continues the trace an AMQP message carries in its headers', () => {
    const publish = tracing.startSpan(SPAN_NAMES.publish, { role: 'producer', attributes: { 'turnout.queue': 'q', 'turnout.domain': null } });
    const headers = withTraceparent({ persistent: true }, publish).headers;
    const execute = tracing.startSpan(SPAN_NAMES.execute, { parent: traceparentOf({ headers }), role: 'consumer' });

    expect(publish.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const [traceId, publishId] = idsOf(publish.traceparent);
    const [executeTraceId, executeId] = idsOf(execute.traceparent);
    expect(executeTraceId).toBe(traceId);
    expect(executeId).not.toBe(publishId);
  });

  it('starts a trace of its own without a parent, or with one that does not parse', () => {
    const [rootTrace] = idsOf(tracing.startSpan(SPAN_NAMES.start).traceparent);
    const [orphanTrace] = idsOf(tracing.startSpan(SPAN_NAMES.record, { parent: 'not-a-traceparent' }).traceparent);
    const [otherRootTrace] = idsOf(tracing.startSpan(SPAN_NAMES.start, { parent: null }).traceparent);
    expect(new Set([rootTrace, orphanTrace, otherRootTrace]).size).toBe(3);
  });
});

describe('the AMQP trace header', () => {
  it('reads a traceparent sent as a string or as bytes, and nothing from a message without one', () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    expect(traceparentOf({ headers: { traceparent } })).toBe(traceparent);
    expect(traceparentOf({ headers: { traceparent: Buffer.from(traceparent) } })).toBe(traceparent);
    expect(traceparentOf({ headers: {} })).toBeUndefined();
    expect(traceparentOf({ headers: undefined })).toBeUndefined();
  });

  it('adds the span to publish options, keeping their other headers, and leaves them as they are without a span', () => {
    const options = { persistent: true, headers: { 'x-other': 1 } };
    const span = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', setAttributes: () => undefined, fail: () => undefined, end: () => undefined };
    expect(withTraceparent(options, span)).toEqual({ persistent: true, headers: { 'x-other': 1, traceparent: span.traceparent } });
    expect(withTraceparent(options, undefined)).toBe(options);
  });
});
