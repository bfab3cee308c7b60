import type { ConfirmChannel, Message } from 'amqplib';
import { publishConfirmed } from './confirmed-publish';
import { DEAD_LETTER_EXCHANGE, DEAD_LETTER_QUEUE_HEADER, DEAD_LETTER_REASON_HEADER } from './topology';

export interface DeadLetterCause {
  /** Why the message was refused: for invalid input, `describeFieldErrors(errors)`. */
  reason: string;
  /** The queue it was taken from. */
  queue: string;
}

/**
 * Publishes a refused message to DEAD_LETTER_EXCHANGE as it came (content and
 * properties), with its reason and queue in headers, and settles on the
 * broker's confirm: only then may the caller ack the original.
 */
export function publishDeadLetter(channel: ConfirmChannel, message: Message, { reason, queue }: DeadLetterCause): Promise<void> {
  return publishConfirmed(channel, DEAD_LETTER_EXCHANGE, message.content, {
    ...message.properties,
    headers: { ...message.properties.headers, [DEAD_LETTER_REASON_HEADER]: reason, [DEAD_LETTER_QUEUE_HEADER]: queue },
  });
}
