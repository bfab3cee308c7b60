import type { SpanStart, TracedSpan, Tracing } from './tracing';

export interface RecordedSpan {
  name: string;
  start: SpanStart;
  traceparent: string;
  ended: boolean;
  failed: unknown;
}

/** A Tracing that keeps the spans started (each traceparent numbered in order) instead of exporting them. */
export class RecordedTracing implements Tracing {
  readonly spans: RecordedSpan[] = [];

  startSpan(name: string, start: SpanStart = {}): TracedSpan {
    const traceparent = `00-0af7651916cd43dd8448eb211c80319c-${String(this.spans.length + 1).padStart(16, '0')}-01`;
    const recorded: RecordedSpan = { name, start, traceparent, ended: false, failed: undefined };
    this.spans.push(recorded);
    return {
      traceparent,
      setAttributes: () => undefined,
      fail: (error) => (recorded.failed = error),
      end: () => (recorded.ended = true),
    };
  }

  flush = (): Promise<void> => Promise.resolve();
  shutdown = (): Promise<void> => Promise.resolve();
}
