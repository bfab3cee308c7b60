import type * as amqp from 'amqplib';
import { describeFieldErrors, isRecord, messageOf } from '@turnout/domain';
import {
  DOMAIN_TASK_RESULTS_EXCHANGE,
  type TaskResult,
  type TaskSuperseded,
  domainRoutingKey,
  parseTaskMessage,
  publishConfirmed,
  publishDeadLetter,
  taskResultProperties,
} from '@turnout/messaging';
import { SPAN_ATTRIBUTES, SPAN_NAMES, type TracedSpan, activeTracing, traceparentOf, withTraceparent } from '@turnout/tracing';
import type { SupersededTasks } from './superseded-tasks';
import { type Task, type TaskContext, type TaskHandler, type TaskProgress, TerminalTaskError } from './task';
import type { BrokerSession } from './worker-connection';

/** A task message the worker holds, from delivery until it is acked or given back. */
interface Delivery {
  message: amqp.ConsumeMessage;
  session: BrokerSession;
  /** Known once the message is parsed. */
  taskId: string | null;
  /** Aborted when the worker gives the task up; its handler's result is then dropped. */
  abandon: AbortController;
  /** Turnout superseded the attempt while it ran: acked when the handler ends, its result dropped. */
  superseded: boolean;
  /** Acked, nacked, or gone with its connection: never settle it twice (the channel would close). */
  settled: boolean;
  done: Promise<void>;
  /** The IN_PROGRESS that says the task was taken, once its handler runs. */
  startReport?: StartReport;
  /** With tracing on: the task's execution, continuing the relay's publish; its results carry it. */
  span?: TracedSpan;
}

/** The first IN_PROGRESS of a task: sent after a while, or at once when asked. */
interface StartReport {
  /** Sends it now unless it was sent; resolves on its confirm. */
  sendNow(): Promise<void>;
  /** Cancels it if it was not sent, or waits for the confirm of the one that was. */
  finish(): Promise<void>;
}

export interface TaskDeliveriesOptions<I, O extends object | void> {
  workerId: string;
  queueName: string;
  /** The domain it consumes: its results are published by domain, so a user confined to one is let through. */
  domain: string | null;
  execute: TaskHandler<I, O>;
  /** The attempts Turnout superseded: their deliveries are skipped. */
  superseded: SupersededTasks;
  /** A task still running this long after it was taken is reported IN_PROGRESS (0: before the handler runs). */
  reportStartAfterMs: number;
  log: (message: string) => void;
}

/**
 * The task messages a worker holds. Each one is parsed (a bad one is
 * dead-lettered) and skipped if its attempt was superseded; otherwise the
 * worker runs the handler, reports IN_PROGRESS (confirmed) if it is still
 * running after reportStartAfterMs, publishes its TaskResult with a publisher
 * confirm, and only then acks.
 */
export class TaskDeliveries<I, O extends object | void> {
  private readonly inFlight = new Set<Delivery>();
  private completedCount = 0;
  private skippedCount = 0;

  constructor(private readonly options: TaskDeliveriesOptions<I, O>) {}

  /** Tasks whose result was confirmed and acknowledged (completed or failed alike). */
  get completed(): number {
    return this.completedCount;
  }

  /** Deliveries of superseded attempts, acknowledged and never run (or stopped as they ran). */
  get skipped(): number {
    return this.skippedCount;
  }

  /** Tasks held right now. */
  get held(): number {
    return this.inFlight.size;
  }

  /** Runs a delivered task to its end; a failure to ack leaves it to the broker to deliver again. */
  run(session: BrokerSession, message: amqp.ConsumeMessage): void {
    const delivery = deliveryOf(session, message);
    this.inFlight.add(delivery);
    delivery.done = this.handle(delivery)
      .catch((error) => {
        delivery.span?.fail(error);
        this.options.log(`task ${message.properties.messageId ?? '?'} not acknowledged (${messageOf(error)}); the broker delivers it again`);
      })
      .finally(() => {
        delivery.span?.end();
        this.inFlight.delete(delivery);
      });
  }

  /** Puts a delivered task straight back on the queue: the worker takes no more work. */
  refuse(session: BrokerSession, message: amqp.ConsumeMessage): void {
    this.settle(deliveryOf(session, message), (channel, held) => channel.nack(held, false, true));
  }

  /** An attempt was superseded: if the worker runs it right now, its handler is told to stop. */
  supersede({ taskId, reason }: TaskSuperseded): void {
    for (const delivery of this.inFlight) {
      if (delivery.taskId !== taskId || delivery.abandon.signal.aborted) continue;
      delivery.superseded = true;
      delivery.abandon.abort(new Error(`Turnout superseded task ${taskId} (${reason}); another attempt replaces it`));
    }
  }

  /**
   * The session's connection is gone, and with it every unacked task (the
   * broker delivers them again): their results, still to come, are dropped.
   */
  abandonOn(session: BrokerSession): void {
    for (const delivery of this.inFlight) {
      if (delivery.session !== session) continue;
      delivery.settled = true;
      if (!delivery.abandon.signal.aborted) delivery.abandon.abort(new Error('the connection to the broker was lost; the broker delivers the task again'));
    }
  }

  /**
   * Lets the held tasks finish for up to `deadlineMs`, then gives the unfinished
   * ones back to the queue; answers how many went back.
   */
  async finishWithin(deadlineMs: number): Promise<number> {
    // Tasks already given up (a lost connection, a superseded attempt) are not waited for.
    const held = [...this.inFlight].filter((delivery) => !delivery.abandon.signal.aborted);
    if (held.length > 0) {
      this.options.log(`stopping: finishing ${held.length} held task(s), for up to ${deadlineMs} ms`);
      let deadline: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled(held.map((delivery) => delivery.done)),
        new Promise<void>((resolve) => (deadline = setTimeout(resolve, deadlineMs))),
      ]);
      clearTimeout(deadline);
    }
    let returnedToQueue = 0;
    for (const delivery of held) {
      if (!this.inFlight.has(delivery)) continue;
      delivery.abandon.abort(new Error('the worker stopped before the task finished; the task went back to the queue'));
      if (this.settle(delivery, (channel, message) => channel.nack(message, false, true))) returnedToQueue += 1;
    }
    return returnedToQueue;
  }

  private async handle(delivery: Delivery): Promise<void> {
    const parsed = parseTaskMessage(delivery.message.content);
    if (!parsed.ok) {
      await this.deadLetter(delivery, describeFieldErrors(parsed.errors));
      return;
    }
    const task = parsed.value as Task<I>;
    delivery.taskId = task.taskId;
    const supersededBecause = this.options.superseded.reasonFor(task.taskId);
    if (supersededBecause !== null) {
      this.skip(delivery, `skipped task ${task.taskId} of workflow ${task.workflowInstanceId}: superseded (${supersededBecause}); not run`);
      return;
    }
    delivery.span = activeTracing()?.startSpan(SPAN_NAMES.execute, {
      parent: traceparentOf(delivery.message.properties),
      role: 'consumer',
      attributes: {
        [SPAN_ATTRIBUTES.workflowId]: task.workflowInstanceId,
        [SPAN_ATTRIBUTES.taskId]: task.taskId,
        [SPAN_ATTRIBUTES.taskType]: task.taskType,
        [SPAN_ATTRIBUTES.domain]: task.domain,
        [SPAN_ATTRIBUTES.queue]: this.options.queueName,
      },
    });
    // Taken: reported IN_PROGRESS (its start time and worker id, its response timeout from then) once
    // it has run for reportStartAfterMs; a task that ends sooner needs no report before its result.
    const startReport = this.reportStartLater(delivery, task);
    delivery.startReport = startReport;
    if (this.options.reportStartAfterMs <= 0) await startReport.finish();
    if (delivery.abandon.signal.aborted) {
      if (delivery.superseded) this.skip(delivery, `skipped task ${task.taskId}: ${messageOf(delivery.abandon.signal.reason)}; not run`);
      return;
    }
    const context: TaskContext = {
      workerId: this.options.workerId,
      redelivered: delivery.message.fields.redelivered,
      signal: delivery.abandon.signal,
      progress: (update) => this.progress(delivery, task, update),
    };
    const result = await this.resultOf(task, context);
    delivery.span?.setAttributes({ [SPAN_ATTRIBUTES.resultStatus]: result.status });
    // The report, if it left, is confirmed before the result goes (one channel keeps them in order).
    await startReport.finish().catch((error) => this.options.log(`task ${task.taskId}: IN_PROGRESS not confirmed (${messageOf(error)})`));
    if (delivery.abandon.signal.aborted) {
      this.options.log(`dropped the ${result.status} result of task ${task.taskId}: ${messageOf(delivery.abandon.signal.reason)}`);
      // Done with for good: acked, so that no worker is handed it again.
      if (delivery.superseded && this.settle(delivery, (channel, message) => channel.ack(message))) this.skippedCount += 1;
      return;
    }
    await this.publishResult(delivery, result);
    if (this.settle(delivery, (channel, message) => channel.ack(message))) this.completedCount += 1;
  }

  /**
   * IN_PROGRESS for a task once it has run `reportStartAfterMs` (at once for 0).
   * `finish()` cancels a report not yet sent, or waits for the confirm of one that was.
   */
  private reportStartLater(delivery: Delivery, task: Task<I>): StartReport {
    let sent: Promise<void> | undefined;
    const send = (): Promise<void> => {
      if (sent === undefined) {
        sent = this.publishResult(delivery, this.inProgress(task, {}));
        // Awaited by finish(); a failure before that is not unhandled.
        sent.catch(() => undefined);
      }
      return sent;
    };
    const timer = this.options.reportStartAfterMs <= 0 ? (send(), undefined) : setTimeout(send, this.options.reportStartAfterMs);
    return {
      sendNow: () => {
        clearTimeout(timer);
        return send();
      },
      finish: async () => {
        clearTimeout(timer);
        await sent;
      },
    };
  }

  /** A handler's "still at it": IN_PROGRESS again, while the worker still holds the task. */
  private async progress(delivery: Delivery, task: Task<I>, update: TaskProgress = {}): Promise<void> {
    const { callbackAfterSeconds, outputData } = update;
    if (callbackAfterSeconds !== undefined && !(Number.isSafeInteger(callbackAfterSeconds) && callbackAfterSeconds >= 0)) {
      throw new RangeError(`callbackAfterSeconds must be a whole number, 0 or more (got ${callbackAfterSeconds})`);
    }
    if (outputData !== undefined && !isRecord(outputData)) throw new TypeError('outputData must be an object');
    if (delivery.abandon.signal.aborted) throw delivery.abandon.signal.reason;
    if (delivery.settled || !this.inFlight.has(delivery)) throw new Error(`task ${task.taskId} is no longer held by this worker`);
    // The task's start is said first (TaskStarted), then its progress.
    await delivery.startReport?.sendNow();
    await this.publishResult(delivery, this.inProgress(task, { callbackAfterSeconds, outputData }));
  }

  private inProgress(task: Task<I>, { callbackAfterSeconds, outputData }: TaskProgress): TaskResult {
    return {
      taskId: task.taskId,
      workflowInstanceId: task.workflowInstanceId,
      status: 'IN_PROGRESS',
      outputData: outputData ?? {},
      reasonForIncompletion: null,
      workerId: this.options.workerId,
      ...(callbackAfterSeconds === undefined ? {} : { callbackAfterSeconds }),
    };
  }

  private publishResult(delivery: Delivery, result: TaskResult): Promise<void> {
    // Mandatory: a result no router queue is bound for (a router that has not bound the by-domain exchange) fails, unacked.
    const properties = { ...withTraceparent(taskResultProperties(result), delivery.span), mandatory: true };
    return publishConfirmed(delivery.session.publishChannel, DOMAIN_TASK_RESULTS_EXCHANGE, Buffer.from(JSON.stringify(result)), properties, domainRoutingKey(this.options.domain));
  }

  /** Runs the handler; what it returns or throws becomes the TaskResult. */
  private async resultOf(task: Task<I>, context: TaskContext): Promise<TaskResult> {
    const base = { taskId: task.taskId, workflowInstanceId: task.workflowInstanceId, workerId: this.options.workerId };
    let output: unknown;
    try {
      output = await this.options.execute(task, context);
    } catch (error) {
      const status = error instanceof TerminalTaskError ? 'FAILED_WITH_TERMINAL_ERROR' : 'FAILED';
      return { ...base, status, outputData: {}, reasonForIncompletion: messageOf(error) };
    }
    if (output === undefined || output === null) return { ...base, status: 'COMPLETED', outputData: {}, reasonForIncompletion: null };
    if (!isRecord(output)) {
      const what = Array.isArray(output) ? 'an array' : typeof output;
      return { ...base, status: 'FAILED', outputData: {}, reasonForIncompletion: `the handler returned ${what}; outputData must be an object` };
    }
    return { ...base, status: 'COMPLETED', outputData: output, reasonForIncompletion: null };
  }

  /** A superseded attempt: acked (so no worker is handed it again) and logged, never run. */
  private skip(delivery: Delivery, line: string): void {
    this.options.log(line);
    if (this.settle(delivery, (channel, message) => channel.ack(message))) this.skippedCount += 1;
  }

  /** Acks or nacks once, through the channel the task came on; false when that is no longer possible. */
  private settle(delivery: Delivery, how: (channel: amqp.Channel, message: amqp.ConsumeMessage) => void): boolean {
    if (delivery.settled || delivery.session.lost) return false;
    delivery.settled = true;
    try {
      how(delivery.session.consumeChannel, delivery.message);
      return true;
    } catch (error) {
      // The channel closed under us: the broker requeues the task with the connection.
      this.options.log(`could not settle a task message: ${messageOf(error)}`);
      return false;
    }
  }

  private async deadLetter(delivery: Delivery, reason: string): Promise<void> {
    const { queueName } = this.options;
    this.options.log(`dead-lettering a message from ${queueName}: ${reason}`);
    await publishDeadLetter(delivery.session.publishChannel, delivery.message, { reason, queue: queueName });
    this.settle(delivery, (channel, message) => channel.ack(message));
  }
}

function deliveryOf(session: BrokerSession, message: amqp.ConsumeMessage): Delivery {
  return { message, session, taskId: null, abandon: new AbortController(), superseded: false, settled: false, done: Promise.resolve() };
}
