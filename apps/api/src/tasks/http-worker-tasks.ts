import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { DomainError, type FieldError, checkName, describeFieldErrors, isRecord, taskQueueName, workerDomainProblem, workerIdProblem } from '@turnout/domain';
import { type TaskResult, parseTaskMessage, validateTaskResult } from '@turnout/messaging';
import { recordTaskQueues } from '@turnout/metadata';
import { WorkflowCommandHandler, loadWorkflow } from '@turnout/workflow-runs';
import { DATA_SOURCE } from '../api.tokens';
import { type ConductorTask, conductorTask } from '../conductor/conductor-task';
import { InvalidInput, NotFound } from '../http/api-errors';
import { WorkerPresenceService } from '../presence/worker-presence.service';
import { type TakenMessage, TaskQueueBroker } from './task-queue-broker';

// A poll counts as a heartbeat; one write a second per worker is plenty for presence.
const SIGHTING_EVERY_MS = 1_000;
const LONG_POLL_STEP_MS = 50;

export interface PollRequest {
  taskType: string;
  workerId: string | null;
  domain: string | null;
  count: number;
  timeoutMs: number;
}

/**
 * Conductor's HTTP worker protocol on top of the task queues: a poll takes
 * messages off `<taskType>[@<domain>]`, holds each task for its worker
 * (TaskStarted, whose response timeout is a durable timer, then the ack: a
 * crash at either step loses nothing), and a result goes to the router like
 * any worker's.
 */
@Injectable()
export class HttpWorkerTasks {
  private readonly lastSighting = new Map<string, number>();
  private readonly knownQueues = new Set<string>();

  constructor(
    @Inject(DATA_SOURCE) private readonly db: DataSource,
    private readonly broker: TaskQueueBroker,
    private readonly presence: WorkerPresenceService,
    private readonly workflows: WorkflowCommandHandler,
  ) {}

  /** Checks the query of a poll; refuses a domain list or NO_DOMAIN as a worker's domain. */
  static pollRequest(taskType: string, parameters: { workerid?: unknown; domain?: unknown; count?: unknown; timeout?: unknown }): PollRequest {
    const errors: FieldError[] = [];
    // A parameter given twice (or as `domain[]=`) reaches here as a list or an object: one value each, or a 400.
    const once = (field: keyof typeof parameters): string | undefined => {
      const value = parameters[field];
      if (value === undefined || typeof value === 'string') return value;
      errors.push({ path: field, message: 'must be given once' });
      return undefined;
    };
    const query = { workerid: once('workerid'), domain: once('domain'), count: once('count'), timeout: once('timeout') };
    // A queue name over AMQP's limit would fail in the client library, past where it can be refused cleanly.
    errors.push(...checkName('taskType', taskType));
    const workerId = query.workerid?.trim() || null;
    const workerIdError = workerId === null ? null : workerIdProblem(workerId);
    if (workerIdError !== null) errors.push({ path: 'workerid', message: workerIdError });
    const domain = query.domain === undefined || query.domain.trim() === '' ? null : query.domain;
    if (domain !== null) {
      const problem = workerDomainProblem(taskType, domain);
      if (problem !== null) errors.push({ path: 'domain', message: `"${domain}" ${problem}` });
    }
    const count = query.count === undefined ? 1 : Number(query.count);
    if (!Number.isInteger(count) || count < 1 || count > 1000) errors.push({ path: 'count', message: 'must be a whole number from 1 to 1000' });
    const timeoutMs = query.timeout === undefined ? 100 : Number(query.timeout);
    if (!Number.isInteger(timeoutMs) || timeoutMs < 0 || timeoutMs > 60_000) errors.push({ path: 'timeout', message: 'must be a whole number of ms from 0 to 60000' });
    if (errors.length > 0) throw new InvalidInput(errors);
    return { taskType, domain, workerId, count, timeoutMs };
  }

  async poll(request: PollRequest): Promise<ConductorTask[]> {
    this.recordPollAsHeartbeat(request);
    const queueName = taskQueueName(request.taskType, request.domain);
    if (!this.knownQueues.has(queueName)) {
      await recordTaskQueues(this.db, [queueName]);
      this.knownQueues.add(queueName);
    }
    const deadline = Date.now() + request.timeoutMs;
    const tasks: ConductorTask[] = [];
    for (;;) {
      while (tasks.length < request.count) {
        const message = await this.broker.take(queueName);
        if (message === null) break;
        let task: ConductorTask | null;
        try {
          task = await this.holdForWorker(message, request.workerId);
        } catch (error) {
          message.requeue();
          throw error;
        }
        if (task !== null) tasks.push(task);
      }
      const remaining = deadline - Date.now();
      if (tasks.length > 0 || remaining <= 0) return tasks;
      await new Promise((resolve) => setTimeout(resolve, Math.min(LONG_POLL_STEP_MS, remaining)));
    }
  }

  /** Takes a TaskResult from an HTTP worker: 400 when malformed, 404 for a task Turnout does not know. */
  async submit(body: unknown): Promise<{ taskId: string; domain: string | null; taskType: string } | { inProgress: string }> {
    if (!isRecord(body)) throw new InvalidInput([{ path: 'body', message: 'must be a TaskResult object' }]);
    const parsed = validateTaskResult(body);
    if (!parsed.ok) throw new InvalidInput(parsed.errors);
    const result: TaskResult = parsed.value;
    const { state } = await loadWorkflow(this.db, result.workflowInstanceId);
    const task = state.type === 'Empty' ? undefined : state.run.tasks.find((candidate) => candidate.taskId === result.taskId);
    if (task === undefined) throw new NotFound(`No such task found by id: ${result.taskId} in workflow ${result.workflowInstanceId}`);
    await this.broker.publishResult(result);
    // IN_PROGRESS is Conductor's "still working": the router extends the hold (callbackAfterSeconds), which stands.
    if (result.status === 'IN_PROGRESS') return { inProgress: result.taskId };
    return { taskId: result.taskId, domain: task.domain, taskType: task.taskType };
  }

  /**
   * Holds the task of a taken message for this worker: TaskStarted, then the
   * ack, so a crash at either step loses nothing (before the append the message
   * comes back; after it, TaskStarted's response timeout fires for a task whose
   * ack never came, and the message that comes back is dropped as held).
   */
  private async holdForWorker(message: TakenMessage, workerId: string | null): Promise<ConductorTask | null> {
    const parsed = parseTaskMessage(message.content);
    if (!parsed.ok) {
      await message.deadLetter(describeFieldErrors(parsed.errors));
      return null;
    }
    const { taskId, workflowInstanceId: workflowId } = parsed.value;
    let held: Awaited<ReturnType<WorkflowCommandHandler['handle']>>;
    try {
      held = await this.workflows.handle(workflowId, () => ({ type: 'StartTask', data: { taskId, workerId, now: Date.now() } }));
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      await message.deadLetter(`${error.code}: ${error.message}`);
      return null;
    }
    message.ack();
    // Held or ended already (a redelivered message): dropped, poll on.
    if (held.events.length === 0 || held.state.type === 'Empty') return null;
    const run = held.state.run;
    return conductorTask(run, run.tasks.find((task) => task.taskId === taskId)!);
  }

  private recordPollAsHeartbeat(request: PollRequest): void {
    const workerId = request.workerId ?? 'anonymous';
    const key = `${request.taskType}\u0000${request.domain ?? ''}\u0000${workerId}`;
    const now = Date.now();
    if (now - (this.lastSighting.get(key) ?? 0) < SIGHTING_EVERY_MS) return;
    this.lastSighting.set(key, now);
    // This api routes first tasks: it knows of the poll at once; the router through the heartbeat.
    this.presence.apply({ taskType: request.taskType, domain: request.domain, workerId, seenAt: now, gone: false });
    void this.broker
      .publishHeartbeat({ taskType: request.taskType, domain: request.domain, workerId, at: now, transport: 'http' })
      .catch(() => this.lastSighting.delete(key));
  }
}
