import type { TaskMessage } from '@turnout/messaging';

/** A task as a handler sees it: the AMQP task message, with its input typed by the worker. */
export interface Task<I> extends Omit<TaskMessage, 'inputData'> {
  inputData: I;
}

/** What a handler says when it reports that it is still at a task. */
export interface TaskProgress {
  /**
   * Its next word comes within this many seconds more than the task's
   * responseTimeoutSeconds (Conductor's callbackAfterSeconds): the task is
   * held that much longer before it times out. Default 0.
   */
  callbackAfterSeconds?: number;
  /** Output so far, shown on the task while it runs. */
  outputData?: Record<string, unknown>;
}

/** What a handler may want to know about the delivery it is running, and how it says it is still at it. */
export interface TaskContext {
  /** The worker that runs the task; it is written into the TaskResult. */
  readonly workerId: string;
  /** True when the broker delivers this task again (an earlier holder stopped or lost its connection). */
  readonly redelivered: boolean;
  /**
   * Aborted when the worker gives the task up: its connection dropped (the broker
   * redelivers the task) or shutdown reached its deadline (the task went back to
   * the queue), or Turnout superseded the attempt (it timed out or was cancelled:
   * another attempt replaces it). A result returned after that is dropped, so
   * long handlers may stop early.
   */
  readonly signal: AbortSignal;
  /**
   * Reports IN_PROGRESS again, settled on the broker's confirm: the task's
   * response timeout starts over from now (plus `callbackAfterSeconds`). The
   * worker already reported IN_PROGRESS when it took the task; a handler that
   * runs longer than responseTimeoutSeconds calls this before it runs out.
   * Rejects once the worker gave the task up.
   */
  progress(update?: TaskProgress): Promise<void>;
}

/**
 * A worker's handler. Its input and output types are the worker's: they flow from
 * here into `defineWorker`, `@WorkerTask` and `TaskWorker`. What it returns becomes
 * the task's `outputData` (nothing: `{}`); what it throws becomes a FAILED result
 * with the error's message (retried as the task definition allows), or
 * FAILED_WITH_TERMINAL_ERROR, never retried, for a TerminalTaskError.
 */
export type TaskHandler<I, O extends object | void> = (task: Task<I>, context: TaskContext) => O | Promise<O>;

/** Thrown by a handler for a failure that no retry can fix: the result is FAILED_WITH_TERMINAL_ERROR. */
export class TerminalTaskError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TerminalTaskError';
  }
}
