import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { ConsumeMessage } from 'amqplib';
import { describeFieldErrors } from '@turnout/domain';
import { ROUTER_HEARTBEATS_QUEUE, parseHeartbeat } from '@turnout/messaging';
import { WorkerPresenceService } from './worker-presence.service';
import { ACK, type MessageOutcome, deadLetter } from '../transport/message-outcome';

/** Worker heartbeats feed the presence projection (and this router's snapshot at once). */
@Controller()
export class HeartbeatsController {
  constructor(private readonly presence: WorkerPresenceService) {}

  @EventPattern(ROUTER_HEARTBEATS_QUEUE)
  async onHeartbeat(@Payload() message: ConsumeMessage): Promise<MessageOutcome> {
    // Seen when received, by this router's clock: not by the worker's, which may be minutes off.
    const parsed = parseHeartbeat(message.content, Date.now());
    if (!parsed.ok) return deadLetter(describeFieldErrors(parsed.errors));
    await this.presence.sighted(parsed.value.sighting, parsed.value.transport);
    return ACK;
  }
}
