import type { Message } from 'amqplib';
import { deadLetterOf } from './dead-letter';
import { DEAD_LETTER_AT_HEADER, DEAD_LETTER_ID_HEADER, DEAD_LETTER_QUEUE_HEADER, DEAD_LETTER_REASON_HEADER } from './topology';

const delivered = (content: string, properties: Record<string, unknown>): Message =>
  ({ content: Buffer.from(content), fields: {}, properties: { headers: {}, ...properties } }) as unknown as Message;

describe('deadLetterOf: a delivery of the dead-letter queue read back', () => {
  it("takes the reason, queue, id and time from Turnout's headers, and keeps the message's own headers apart", () => {
    const message = delivered('{oops', {
      messageId: 'm1',
      contentType: 'application/json',
      headers: {
        [DEAD_LETTER_REASON_HEADER]: 'body is not JSON',
        [DEAD_LETTER_QUEUE_HEADER]: 'turnout.router.task-results',
        [DEAD_LETTER_ID_HEADER]: 'letter-1',
        [DEAD_LETTER_AT_HEADER]: 1_700_000_000_000,
        'x-mine': 'kept',
      },
    });
    expect(deadLetterOf(message, 5)).toEqual({
      letterId: 'letter-1',
      reason: 'body is not JSON',
      queue: 'turnout.router.task-results',
      deadLetteredAt: 1_700_000_000_000,
      body: Buffer.from('{oops'),
      properties: { messageId: 'm1', contentType: 'application/json', headers: { 'x-mine': 'kept' } },
    });
  });

  it('gives a message published there by someone else an id of its content, the same on every delivery, and the time it arrived', () => {
    const foreign = () => delivered('anything', { messageId: 'm2' });
    const letter = deadLetterOf(foreign(), 42);
    expect(letter).toMatchObject({ reason: '(no reason given)', queue: '(unknown)', deadLetteredAt: 42 });
    expect(deadLetterOf(foreign(), 43).letterId).toBe(letter.letterId);
    expect(deadLetterOf(delivered('something else', { messageId: 'm2' }), 42).letterId).not.toBe(letter.letterId);
  });
});
