import { createHash, randomUUID } from 'node:crypto';
import type { ConfirmChannel, Message } from 'amqplib';
import { publishConfirmed } from './confirmed-publish';
import { DEAD_LETTER_AT_HEADER, DEAD_LETTER_EXCHANGE, DEAD_LETTER_ID_HEADER, DEAD_LETTER_QUEUE_HEADER, DEAD_LETTER_REASON_HEADER } from './topology';

export interface DeadLetterCause {
  /** Why the message was refused: for invalid input, `describeFieldErrors(errors)`. */
  reason: string;
  /** The queue it was taken from. */
  queue: string;
}

/**
 * Publishes a refused message to DEAD_LETTER_EXCHANGE as it came (content and
 * properties), with its reason, queue, an id and the time in headers, and
 * settles on the broker's confirm: only then may the caller ack the original.
 */
export function publishDeadLetter(channel: ConfirmChannel, message: Message, { reason, queue }: DeadLetterCause): Promise<void> {
  return publishConfirmed(channel, DEAD_LETTER_EXCHANGE, message.content, {
    ...message.properties,
    headers: {
      ...message.properties.headers,
      [DEAD_LETTER_REASON_HEADER]: reason,
      [DEAD_LETTER_QUEUE_HEADER]: queue,
      [DEAD_LETTER_ID_HEADER]: randomUUID(),
      [DEAD_LETTER_AT_HEADER]: Date.now(),
    },
  });
}

/** A dead letter as operators read it (GET /api/admin/dead-letters). */
export interface DeadLetter {
  /** One per dead-lettering: a redelivery of the same dead letter has the same id. */
  letterId: string;
  reason: string;
  /** The queue the message was taken from. */
  queue: string;
  /** Epoch ms. */
  deadLetteredAt: number;
  /** The original body, as it came. */
  body: Buffer;
  /** The original properties that say what it was (messageId, type, contentType, correlationId) and its own headers. */
  properties: Record<string, unknown>;
}

const OWN_HEADERS = [DEAD_LETTER_REASON_HEADER, DEAD_LETTER_QUEUE_HEADER, DEAD_LETTER_ID_HEADER, DEAD_LETTER_AT_HEADER];

/**
 * A delivery from DEAD_LETTER_QUEUE read back. One published by someone else
 * than publishDeadLetter (no id header) gets an id from its content and
 * headers, so its redelivery is still one letter; no time header, `receivedAt`.
 */
export function deadLetterOf(message: Message, receivedAt: number): DeadLetter {
  const { headers = {}, messageId, type, contentType, correlationId } = message.properties;
  const ownHeaders = Object.fromEntries(Object.entries(headers).filter(([name]) => !OWN_HEADERS.includes(name)));
  const text = (name: string): string | null => (typeof headers[name] === 'string' ? headers[name] : null);
  const at = Number(headers[DEAD_LETTER_AT_HEADER]);
  const letterId =
    text(DEAD_LETTER_ID_HEADER) ??
    createHash('sha256').update(message.content).update(JSON.stringify(headers)).update(String(messageId)).digest('hex');
  const properties = Object.fromEntries(
    Object.entries({ messageId, type, contentType, correlationId, headers: ownHeaders }).filter(([, value]) => value !== undefined),
  );
  return {
    letterId,
    reason: text(DEAD_LETTER_REASON_HEADER) ?? '(no reason given)',
    queue: text(DEAD_LETTER_QUEUE_HEADER) ?? '(unknown)',
    deadLetteredAt: Number.isSafeInteger(at) && at > 0 ? at : receivedAt,
    body: message.content,
    properties,
  };
}
