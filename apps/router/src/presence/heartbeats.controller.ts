import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { ConsumeMessage } from 'amqplib';
import { describeFieldErrors } from '@turnout/domain';
import { DOMAIN_HEARTBEATS_EXCHANGE, ROUTER_HEARTBEATS_QUEUE, parseHeartbeat, publisherDomainOf } from '@turnout/messaging';
import { WorkerPresenceService } from './worker-presence.service';
import { ACK, type MessageOutcome, deadLetter } from '../transport/message-outcome';

/**
 * Worker heartbeats feed the presence projection (and this router's snapshot
 * at once). One published by domain counts only for that domain.
 */
@Controller()
export class HeartbeatsController {
  constructor(private readonly presence: WorkerPresenceService) {}

  @EventPattern(ROUTER_HEARTBEATS_QUEUE)
  async onHeartbeat(@Payload() message: ConsumeMessage): Promise<MessageOutcome> {
    // Seen when received, by this router's clock: not by the worker's, which may be minutes off.
    const parsed = parseHeartbeat(message.content, Date.now());
    if (!parsed.ok) return deadLetter(describeFieldErrors(parsed.errors));
    const { sighting } = parsed.value;
    // Published by domain: a worker confined to one must not make another look alive.
    const confinedTo = publisherDomainOf(message.fields, DOMAIN_HEARTBEATS_EXCHANGE);
    if (confinedTo !== undefined && confinedTo !== sighting.domain) {
      return deadLetter(`domain: the publisher is confined to ${confinedTo ?? 'NO_DOMAIN'}, not ${sighting.domain ?? 'NO_DOMAIN'}`);
    }
    await this.presence.sighted(sighting, parsed.value.transport);
    return ACK;
  }
}
