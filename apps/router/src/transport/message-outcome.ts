/** What a message handler tells the transport to do with the message it handled. */
export type MessageOutcome = { type: 'ack' } | { type: 'dead-letter'; reason: string };

export const ACK: MessageOutcome = { type: 'ack' };
export const deadLetter = (reason: string): MessageOutcome => ({ type: 'dead-letter', reason });
