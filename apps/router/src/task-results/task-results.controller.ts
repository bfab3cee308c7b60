import { randomUUID } from 'node:crypto';
import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { ConsumeMessage } from 'amqplib';
import { DomainError, describeFieldErrors } from '@turnout/domain';
import { ROUTER_TASK_RESULTS_QUEUE, parseTaskResult } from '@turnout/messaging';
import { WorkflowCommandHandler } from '@turnout/workflow-runs';
import { RoutingMetrics } from '../metrics/routing-metrics';
import { WorkerPresenceService } from '../presence/worker-presence.service';
import { ACK, type MessageOutcome, deadLetter } from '../transport/message-outcome';

/** A worker's TaskResult: record it, then schedule the next task, a retry, or the end of the run. */
@Controller()
export class TaskResultsController {
  constructor(
    private readonly workflows: WorkflowCommandHandler,
    private readonly presence: WorkerPresenceService,
    private readonly metrics: RoutingMetrics,
  ) {}

  @EventPattern(ROUTER_TASK_RESULTS_QUEUE)
  async onTaskResult(@Payload() message: ConsumeMessage): Promise<MessageOutcome> {
    const parsed = parseTaskResult(message.content);
    if (!parsed.ok) return deadLetter(describeFieldErrors(parsed.errors));
    const result = parsed.value;
    try {
      const startedAt = performance.now();
      const { events } = await this.workflows.handle(result.workflowInstanceId, () => ({
        type: 'RecordTaskResult',
        data: {
          taskId: result.taskId,
          status: result.status,
          outputData: result.outputData,
          reasonForIncompletion: result.reasonForIncompletion,
          workerId: result.workerId,
          nextTaskId: randomUUID(),
          routing: this.presence.routingContext(),
          now: Date.now(),
        },
      }));
      this.metrics.record(events, startedAt);
      return ACK;
    } catch (error) {
      if (error instanceof DomainError) return deadLetter(`${error.code}: ${error.message}`);
      throw error;
    }
  }
}
