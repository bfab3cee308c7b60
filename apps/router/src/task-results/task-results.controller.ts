import { randomUUID } from 'node:crypto';
import { Controller, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { ConsumeMessage } from 'amqplib';
import { DomainError, type WorkflowState, describeFieldErrors } from '@turnout/domain';
import { DOMAIN_TASK_RESULTS_EXCHANGE, ROUTER_TASK_RESULTS_QUEUE, type TaskResult, parseTaskResult, publisherDomainOf } from '@turnout/messaging';
import { SPAN_ATTRIBUTES, SPAN_NAMES, activeTracing, traceparentOf } from '@turnout/tracing';
import { WorkflowCommandHandler } from '@turnout/workflow-runs';
import { RoutingMetrics } from '../metrics/routing-metrics';
import { WorkerPresenceService } from '../presence/worker-presence.service';
import { ACK, type MessageOutcome, deadLetter } from '../transport/message-outcome';
import { resultSighting } from './result-sighting';
import { supersededAttempt } from './superseded-attempt';

/**
 * A worker's TaskResult: record it, then schedule the next task, a retry, or
 * the end of the run. IN_PROGRESS starts the task or extends its hold. One
 * published by domain counts only for a task of that domain (confinedTo). A
 * result that changes nothing is acked when it is a duplicate, and
 * dead-lettered with the reason when its attempt was superseded. Each one is
 * also a sighting of the worker that sent it.
 */
@Controller()
export class TaskResultsController {
  private readonly logger = new Logger(TaskResultsController.name);

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
    const confinedTo = publisherDomainOf(message.fields, DOMAIN_TASK_RESULTS_EXCHANGE);
    const receivedAt = Date.now();
    // Continues the worker's execution span (the result's traceparent header); what the result schedules is beneath it.
    // A result that carries none (an HTTP worker's) gets no span: what it schedules joins the run's own trace.
    const parent = traceparentOf(message.properties);
    const span = parent === undefined ? undefined : activeTracing()?.startSpan(SPAN_NAMES.record, {
      parent,
      role: 'consumer',
      attributes: { [SPAN_ATTRIBUTES.workflowId]: result.workflowInstanceId, [SPAN_ATTRIBUTES.taskId]: result.taskId, [SPAN_ATTRIBUTES.resultStatus]: result.status },
    });
    try {
      const startedAt = performance.now();
      const { events, state } = await this.workflows.handle(result.workflowInstanceId, () => ({
        type: 'RecordTaskResult',
        data: {
          taskId: result.taskId,
          status: result.status,
          outputData: result.outputData,
          reasonForIncompletion: result.reasonForIncompletion,
          workerId: result.workerId,
          callbackAfterSeconds: result.callbackAfterSeconds ?? null,
          ...(confinedTo === undefined ? {} : { confinedTo }),
          nextTaskId: randomUUID(),
          routing: this.presence.routingContext(),
          now: Date.now(),
        },
      }), { traceparent: span?.traceparent });
      this.metrics.record(events, startedAt);
      this.noteSighting(result, state, receivedAt);
      return events.length === 0 ? this.outcomeOfNothingDecided(result, state) : ACK;
    } catch (error) {
      span?.fail(error);
      if (error instanceof DomainError) return deadLetter(`${error.code}: ${error.message}`);
      throw error;
    } finally {
      span?.end();
    }
  }

  /**
   * Not awaited: the sighting joins the next grouped presence upsert, off the
   * result's path (a lost one is made good by the worker's next word).
   */
  private noteSighting(result: TaskResult, state: WorkflowState, receivedAt: number): void {
    const sighting = resultSighting(state, result.taskId, result.workerId, receivedAt);
    if (sighting === null) return;
    this.presence.sightedByResult(sighting).catch((error: Error) => this.logger.warn(`the sighting of worker ${sighting.workerId} by its result was not recorded: ${error.message}`));
  }

  /**
   * A duplicate is acked. A late result of a superseded attempt is
   * dead-lettered, with a line and a count: it is recorded nowhere else. (A
   * task the run never had is refused by the decision: UNKNOWN_TASK.)
   */
  private outcomeOfNothingDecided(result: TaskResult, state: WorkflowState): MessageOutcome {
    if (state.type !== 'Empty' && state.run.taskIdsBeforeRestart.includes(result.taskId)) {
      return deadLetter(`SUPERSEDED: task ${result.taskId} is an attempt from before the run was restarted; its ${result.status} result changes nothing`);
    }
    const attempt = supersededAttempt(state, result.taskId);
    if (attempt === null) return ACK;
    this.metrics.recordSupersededResult(attempt.taskType);
    // The ids as fields too, so that a log search by workflow or task finds the line.
    this.logger.log({
      msg:
        `ignored the ${result.status} result of task ${result.taskId} (${attempt.taskType}, workflow ${result.workflowInstanceId}, worker ${result.workerId ?? 'unknown'}): ` +
        `the attempt was superseded (${attempt.status}${attempt.reasonForIncompletion === null ? '' : `: ${attempt.reasonForIncompletion}`})`,
      workflowId: result.workflowInstanceId,
      taskId: result.taskId,
    });
    const why = attempt.reasonForIncompletion === null ? '' : `: ${attempt.reasonForIncompletion}`;
    return deadLetter(`SUPERSEDED: task ${result.taskId} was superseded (${attempt.status}${why}); its ${result.status} result changes nothing`);
  }
}
