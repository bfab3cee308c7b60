import { randomUUID } from 'node:crypto';
import { Controller, Inject, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { ConsumeMessage } from 'amqplib';
import type { DataSource } from 'typeorm';
import type { TurnoutConfig } from '@turnout/config';
import { DomainError, type HttpRequest, type TaskResultStatus, describeFieldErrors, isEnded, isHostAllowed, isOpenTask, unstorableInputProblems } from '@turnout/domain';
import { HTTP_TASKS_QUEUE, parseHttpTaskMessage } from '@turnout/messaging';
import { WorkflowCommandHandler, loadWorkflow } from '@turnout/workflow-runs';
import { WorkerPresenceService } from '../presence/worker-presence.service';
import { DATA_SOURCE, TURNOUT_CONFIG } from '../router.tokens';
import { ACK, type MessageOutcome, deadLetter } from '../transport/message-outcome';
import { type HttpCallOutcome, callHttp } from './http-call';

/** How an HTTP attempt ends. */
export interface HttpTaskResult {
  status: Exclude<TaskResultStatus, 'IN_PROGRESS'>;
  outputData: Record<string, unknown>;
  reasonForIncompletion: string | null;
}

/** As Conductor: a 2xx response completes the task with it as `response`; any other, or no response, fails it (retried as any task). */
export function httpTaskResultOf(request: HttpRequest, outcome: HttpCallOutcome): HttpTaskResult {
  if (outcome.type === 'error') return { status: 'FAILED', outputData: {}, reasonForIncompletion: outcome.reason };
  const { response } = outcome;
  // The other side's text, stored as it came: what PostgreSQL cannot store (NUL) would fail the record on every delivery.
  const unstorable = unstorableInputProblems(response, 'response');
  if (unstorable.length > 0) {
    return {
      status: 'FAILED',
      outputData: { response: { ...response, body: null } },
      reasonForIncompletion: `${request.method} ${request.uri} answered ${response.statusCode} with what Turnout cannot store: ${describeFieldErrors(unstorable)}`,
    };
  }
  if (response.statusCode >= 200 && response.statusCode < 300) return { status: 'COMPLETED', outputData: { response }, reasonForIncompletion: null };
  return { status: 'FAILED', outputData: { response }, reasonForIncompletion: `${request.method} ${request.uri} answered ${response.statusCode} ${response.reasonPhrase}`.trim() };
}

/**
 * Carries out HTTP task attempts: the relay puts each in HTTP_TASKS_QUEUE,
 * which every router consumes. The run is read first, so an attempt that ended
 * or was superseded makes no call; the result is recorded through the command
 * handler (RecordSystemTaskResult) before the message is acked. At least
 * once: a router that dies between the call and the record leaves the message
 * to be delivered again, and the call is made again.
 */
@Controller()
export class HttpTasksController {
  private readonly logger = new Logger(HttpTasksController.name);

  constructor(
    private readonly workflows: WorkflowCommandHandler,
    private readonly presence: WorkerPresenceService,
    @Inject(DATA_SOURCE) private readonly db: DataSource,
    @Inject(TURNOUT_CONFIG) private readonly config: TurnoutConfig,
  ) {}

  @EventPattern(HTTP_TASKS_QUEUE)
  async onHttpTask(@Payload() message: ConsumeMessage): Promise<MessageOutcome> {
    const parsed = parseHttpTaskMessage(message.content);
    if (!parsed.ok) return deadLetter(describeFieldErrors(parsed.errors));
    const { workflowInstanceId, taskId } = parsed.value;
    const { state } = await loadWorkflow(this.db, workflowInstanceId);
    const attempt = state.type === 'Empty' ? undefined : state.run.tasks.find((task) => task.taskId === taskId);
    if (isEnded(state) || attempt?.http === undefined || !isOpenTask(attempt)) {
      this.logger.debug({ msg: `HTTP task ${taskId} of workflow ${workflowInstanceId} is no longer open: no call`, workflowId: workflowInstanceId, taskId });
      return ACK;
    }
    const request = attempt.http;
    const result: HttpTaskResult = isHostAllowed(request.uri, this.config.httpTaskAllowedHosts)
      ? httpTaskResultOf(request, await callHttp(request, { connectMs: this.config.httpTaskConnectTimeoutMs, readMs: this.config.httpTaskReadTimeoutMs }))
      : // No retry would be let through either.
        { status: 'FAILED_WITH_TERMINAL_ERROR', outputData: {}, reasonForIncompletion: `host ${new URL(request.uri).host} is not in HTTP_TASK_ALLOWED_HOSTS: no call was made` };
    try {
      await this.workflows.handle(
        workflowInstanceId,
        () => ({ type: 'RecordSystemTaskResult', data: { taskId, ...result, nextTaskId: randomUUID(), routing: this.presence.routingContext(), now: Date.now() } }),
        { read: 'fresh' },
      );
      return ACK;
    } catch (error) {
      if (error instanceof DomainError) return deadLetter(`${error.code}: ${error.message}`);
      throw error;
    }
  }
}
