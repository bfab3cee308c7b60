/** What evaluating a script gave: its value, or why it gave none (an error, a limit, a refused capability). */
export type ScriptOutcome<T = unknown> = { ok: true; value: T } | { ok: false; reason: string };

/**
 * The port through which a decision evaluates the scripts of a definition
 * (INLINE, JSON_JQ_TRANSFORM, SWITCH's javascript, DO_WHILE's loopCondition).
 * The infrastructure behind it (libs/sandbox) runs them in a sandbox with a
 * time and a memory limit; it answers synchronously, so a script's task
 * completes in the decision that schedules it and its outcome is recorded in
 * the events: a replay never evaluates again.
 */
export interface ScriptEvaluator {
  /** A JavaScript script with `$` bound to `input`: the value of its last statement, as JSON. */
  javascript(expression: string, input: Record<string, unknown>): ScriptOutcome;
  /** Every output of a jq query over `input`, in order. */
  jq(query: string, input: unknown): ScriptOutcome<unknown[]>;
}

/** For a process that loaded no sandbox: every script fails, saying so (nothing is evaluated outside one). */
export const NO_SCRIPT_EVALUATOR: ScriptEvaluator = {
  javascript: () => ({ ok: false, reason: 'this process has no script sandbox: scripts are not evaluated' }),
  jq: () => ({ ok: false, reason: 'this process has no script sandbox: jq queries are not evaluated' }),
};
