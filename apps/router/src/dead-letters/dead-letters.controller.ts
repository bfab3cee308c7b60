import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { ConsumeMessage } from 'amqplib';
import type { DataSource } from 'typeorm';
import type { TurnoutConfig } from '@turnout/config';
import { recordDeadLetter, trimDeadLetters } from '@turnout/dead-letters';
import { DEAD_LETTER_QUEUE, deadLetterOf } from '@turnout/messaging';
import { DATA_SOURCE, TURNOUT_CONFIG } from '../router.tokens';
import { ACK, type MessageOutcome } from '../transport/message-outcome';

/**
 * Dead letters into turnout_dead_letters, where operators read them (GET
 * /api/admin/dead-letters): each kept once however often it is delivered,
 * the newest DEAD_LETTERS_KEPT. Nothing here is ever dead-lettered: a failure
 * puts the letter back on its queue.
 */
@Controller()
export class DeadLettersController {
  constructor(
    @Inject(DATA_SOURCE) private readonly db: DataSource,
    @Inject(TURNOUT_CONFIG) private readonly config: TurnoutConfig,
  ) {}

  @EventPattern(DEAD_LETTER_QUEUE)
  async onDeadLetter(@Payload() message: ConsumeMessage): Promise<MessageOutcome> {
    // Trimmed only after a new one: a redelivery adds nothing to trim.
    if (await recordDeadLetter(this.db, deadLetterOf(message, Date.now()))) await trimDeadLetters(this.db, this.config.deadLettersKept);
    return ACK;
  }
}
