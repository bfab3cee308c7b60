/** What the examples read from the environment, besides the worker SDK's own domain settings. */

/** The broker, under the name Turnout itself reads it. */
export const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/**
 * The task type an example serves: the walkthrough's name unless EXAMPLE_TASK_TYPE
 * says otherwise. The tests run the examples against a shared broker, each under
 * a name of its own, so that runs never share a queue.
 */
export function exampleTaskType(walkthroughName: string): string {
  return process.env.EXAMPLE_TASK_TYPE ?? walkthroughName;
}

/** Ends the program with the reason when a runner cannot start (a refused domain, no broker). */
export function exitOnStartFailure(error: unknown): never {
  console.error(`[turnout-worker] could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
