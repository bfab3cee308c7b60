import type * as amqp from 'amqplib';
import { describeFieldErrors, isRecord, messageOf } from '@turnout/domain';
import {
  TASK_RESULTS_EXCHANGE,
  type TaskResult,
  parseTaskMessage,
  publishConfirmed,
  publishDeadLetter,
  taskResultProperties,
} from '@turnout/messaging';
import { type Task, type TaskContext, type TaskHandler, TerminalTaskError } from './task';
import type { BrokerSession } from './worker-connection';

/** A task message the worker holds, from delivery until it is acked or given back. */
interface Delivery {
  message: amqp.ConsumeMessage;
  session: BrokerSession;
  /** Aborted when the worker gives the task up; its handler's result is then dropped. */
  abandon: AbortController;
  /** Acked, nacked, or gone with its connection: never settle it twice (the channel would close). */
  settled: boolean;
  done: Promise<void>;
}

export interface TaskDeliveriesOptions<I, O extends object | void> {
  workerId: string;
  queueName: string;
  execute: TaskHandler<I, O>;
  log: (message: string) => void;
}

/**
 * The task messages a worker holds. Each one is parsed (a bad one is
 * dead-lettered), run by the handler, its TaskResult published with a
 * publisher confirm, and only then acked.
 */
export class TaskDeliveries<I, O extends object | void> {
  private readonly inFlight = new Set<Delivery>();
  private completedCount = 0;

  constructor(private readonly options: TaskDeliveriesOptions<I, O>) {}

  /** Tasks whose result was confirmed and acknowledged (completed or failed alike). */
  get completed(): number {
    return this.completedCount;
  }

  /** Tasks held right now. */
  get held(): number {
    return this.inFlight.size;
  }

  /** Runs a delivered task to its end; a failure to ack leaves it to the broker to deliver again. */
  run(session: BrokerSession, message: amqp.ConsumeMessage): void {
    const delivery: Delivery = { message, session, abandon: new AbortController(), settled: false, done: Promise.resolve() };
    this.inFlight.add(delivery);
    delivery.done = this.handle(delivery)
      .catch((error) => this.options.log(`task ${message.properties.messageId ?? '?'} not acknowledged (${messageOf(error)}); the broker delivers it again`))
      .finally(() => this.inFlight.delete(delivery));
  }

  /** Puts a delivered task straight back on the queue: the worker takes no more work. */
  refuse(session: BrokerSession, message: amqp.ConsumeMessage): void {
    const delivery: Delivery = { message, session, abandon: new AbortController(), settled: false, done: Promise.resolve() };
    this.settle(delivery, (channel, held) => channel.nack(held, false, true));
  }

  /**
   * The session's connection is gone, and with it every unacked task (the
   * broker delivers them again): their results, still to come, are dropped.
   */
  abandonOn(session: BrokerSession): void {
    for (const delivery of this.inFlight) {
      if (delivery.session !== session) continue;
      delivery.settled = true;
      delivery.abandon.abort(new Error('the connection to the broker was lost; the broker delivers the task again'));
    }
  }

  /**
   * Lets the held tasks finish for up to `deadlineMs`, then gives the unfinished
   * ones back to the queue; answers how many went back.
   */
  async finishWithin(deadlineMs: number): Promise<number> {
    // Tasks already given up with a lost connection are back on the queue: there is nothing to wait for.
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
    const context: TaskContext = {
      workerId: this.options.workerId,
      redelivered: delivery.message.fields.redelivered,
      signal: delivery.abandon.signal,
    };
    const result = await this.resultOf(task, context);
    if (delivery.abandon.signal.aborted) {
      this.options.log(`dropped the ${result.status} result of task ${task.taskId}: ${messageOf(delivery.abandon.signal.reason)}`);
      return;
    }
    await publishConfirmed(delivery.session.publishChannel, TASK_RESULTS_EXCHANGE, Buffer.from(JSON.stringify(result)), taskResultProperties(result));
    if (this.settle(delivery, (channel, message) => channel.ack(message))) this.completedCount += 1;
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
