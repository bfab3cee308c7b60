import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { ConsumeMessage } from 'amqplib';
import type { DataSource } from 'typeorm';
import { describeFieldErrors } from '@turnout/domain';
import { DOMAIN_HEARTBEATS_EXCHANGE, ROUTER_HEARTBEATS_QUEUE, type WorkerTransport, parseHeartbeat, publisherDomainOf } from '@turnout/messaging';
import { BatchedSightingRecorder } from '@turnout/presence';
import { WorkerPresenceService } from './worker-presence.service';
import type { TurnoutConfig } from '@turnout/config';
import { DATA_SOURCE, TURNOUT_CONFIG } from '../router.tokens';
import { ACK, type MessageOutcome, deadLetter } from '../transport/message-outcome';

/**
 * Worker heartbeats feed the presence projection (and this router's snapshot
 * at once). One published by domain counts only for that domain.
 */
@Controller()
export class HeartbeatsController {
  private readonly sightings: Record<WorkerTransport, BatchedSightingRecorder>;

  constructor(
    @Inject(DATA_SOURCE) db: DataSource,
    @Inject(TURNOUT_CONFIG) config: TurnoutConfig,
    private readonly presence: WorkerPresenceService,
  ) {
    const timeoutMs = config.activeWorkerTimeoutMs;
    this.sightings = { amqp: new BatchedSightingRecorder(db, 'amqp', timeoutMs), http: new BatchedSightingRecorder(db, 'http', timeoutMs) };
  }

  @EventPattern(ROUTER_HEARTBEATS_QUEUE)
  async onHeartbeat(@Payload() message: ConsumeMessage): Promise<MessageOutcome> {
    const parsed = parseHeartbeat(message.content);
    if (!parsed.ok) return deadLetter(describeFieldErrors(parsed.errors));
    const { sighting } = parsed.value;
    // Published by domain: a worker confined to one must not make another look alive.
    const confinedTo = publisherDomainOf(message.fields, DOMAIN_HEARTBEATS_EXCHANGE);
    if (confinedTo !== undefined && confinedTo !== sighting.domain) {
      return deadLetter(`domain: the publisher is confined to ${confinedTo ?? 'NO_DOMAIN'}, not ${sighting.domain ?? 'NO_DOMAIN'}`);
    }
    // Apply first: once a sighting is visible in Postgres, this router routes by it.
    this.presence.apply(sighting);
    await this.sightings[parsed.value.transport].record(sighting);
    return ACK;
  }
}
