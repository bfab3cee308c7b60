import { randomUUID } from 'node:crypto';
import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { ConsumeMessage } from 'amqplib';
import { DomainError, type WorkflowEvent, evolve } from '@turnout/domain';
import { ROUTER_EVENTS_QUEUE, parseJson } from '@turnout/messaging';
import { WorkflowCommandHandler } from '@turnout/workflow-runs';
import { RoutingMetrics } from '../metrics/routing-metrics.service';
import { WorkerPresenceService } from '../presence/worker-presence.service';
import { ACK, type MessageOutcome, deadLetter } from '../transport/message-outcome';

/** WorkflowStarted, published by the relay: schedule the run's first task. */
@Controller()
export class WorkflowEventsController {
  constructor(
    private readonly workflows: WorkflowCommandHandler,
    private readonly presence: WorkerPresenceService,
    private readonly metrics: RoutingMetrics,
  ) {}

  @EventPattern(ROUTER_EVENTS_QUEUE)
  async onEvent(@Payload() message: ConsumeMessage): Promise<MessageOutcome> {
    const body = parseJson(message.content);
    if (!body.ok) return deadLetter(body.reason);
    const { type, data, streamVersion } = body.value as { type?: unknown; data?: { workflowId?: unknown }; streamVersion?: unknown };
    if (type !== 'WorkflowStarted') return ACK;
    if (typeof data?.workflowId !== 'string') return deadLetter('data.workflowId: must be a string');
    // The event is the whole stream at version 1: no need to read it back.
    if (streamVersion === 1) {
      const started = { type, data } as WorkflowEvent;
      this.workflows.seed(data.workflowId, { state: evolve({ type: 'Empty' }, started), version: 1 });
    }
    try {
      const startedAt = performance.now();
      const events = await this.workflows.handle(data.workflowId, () => ({
        type: 'ScheduleFirstTask',
        data: { taskId: randomUUID(), routing: this.presence.routingContext(), now: Date.now() },
      }));
      this.metrics.record(events, startedAt);
      return ACK;
    } catch (error) {
      if (error instanceof DomainError) return deadLetter(error.message);
      throw error;
    }
  }
}
