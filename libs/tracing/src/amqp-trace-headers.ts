import type { MessageProperties, Options } from 'amqplib';
import type { TracedSpan } from './tracing';

/** The AMQP header that carries a message's trace context (W3C Trace Context's header name). */
export const TRACEPARENT_HEADER = 'traceparent';

/** The traceparent a message carries in its headers, if any. */
export function traceparentOf(properties: Pick<MessageProperties, 'headers'>): string | undefined {
  const value = properties.headers?.[TRACEPARENT_HEADER];
  if (typeof value === 'string') return value;
  return Buffer.isBuffer(value) ? value.toString() : undefined;
}

/** Publish options with the span's traceparent added to their headers (unchanged without a span). */
export function withTraceparent(options: Options.Publish, span: TracedSpan | undefined): Options.Publish {
  return span === undefined ? options : { ...options, headers: { ...options.headers, [TRACEPARENT_HEADER]: span.traceparent } };
}
