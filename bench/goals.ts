/**
 * The goals of issue 13, each as a ratio of figures measured in the same run,
 * the target it is held to, and whether it met it (null when a figure it needs
 * is missing, e.g. a peer that could not start).
 */
export interface Goal {
  ratio: number | null;
  target: string;
  met: boolean | null;
}

export interface GoalFigures {
  brokerMsgsPerSec: number;
  oneTaskWorkflowsPerSec: number;
  thirteenTaskCompletionsPerSec: number;
  p50StartToReceiptMs: number;
  p99StartToReceiptMs: number;
  turnoutCpuMsPerThirteenTaskStep: number;
  bullmq?: { jobsPerSec: number; chainStepsPerSec: number; cpuMsPerChainStep: number };
  pgBoss?: { jobsPerSec: number };
}

/** What each goal says, for the printed table. */
export const GOAL_LABELS = {
  thirteenTaskOverBullmqChain: 'thirteen-task completions/s ÷ BullMQ chain steps/s',
  oneTaskOverBullmq: 'one-task workflows/s ÷ BullMQ jobs/s',
  oneTaskOverPgBoss: 'one-task workflows/s ÷ pg-boss jobs/s',
  bullmqCpuOverTurnoutCpu: 'BullMQ CPU per chain step ÷ Turnout CPU per thirteen-task step',
  p99StartToReceiptOver25Ms: 'p99 start→receipt at half load ÷ 25 ms',
  p99OverP50StartToReceipt: 'p99 ÷ p50 start→receipt at half load',
  thirteenTaskOverBroker: 'thirteen-task completions/s ÷ raw broker msgs/s',
} as const;

export type GoalName = keyof typeof GOAL_LABELS;

function goal(numerator: number | undefined, denominator: number | undefined, comparison: '≥' | '≤' | '<', bound: number): Goal {
  const target = `${comparison} ${bound}`;
  if (numerator === undefined || denominator === undefined || !Number.isFinite(numerator) || !Number.isFinite(denominator) || denominator === 0) {
    return { ratio: null, target, met: null };
  }
  const ratio = Number((numerator / denominator).toFixed(3));
  const met = comparison === '≥' ? ratio >= bound : comparison === '≤' ? ratio <= bound : ratio < bound;
  return { ratio, target, met };
}

export function issueGoals(figures: GoalFigures): Record<GoalName, Goal> {
  return {
    thirteenTaskOverBullmqChain: goal(figures.thirteenTaskCompletionsPerSec, figures.bullmq?.chainStepsPerSec, '≥', 1),
    oneTaskOverBullmq: goal(figures.oneTaskWorkflowsPerSec, figures.bullmq?.jobsPerSec, '≥', 0.5),
    oneTaskOverPgBoss: goal(figures.oneTaskWorkflowsPerSec, figures.pgBoss?.jobsPerSec, '≥', 4),
    // Turnout's CPU per step at most BullMQ's.
    bullmqCpuOverTurnoutCpu: goal(figures.bullmq?.cpuMsPerChainStep, figures.turnoutCpuMsPerThirteenTaskStep, '≥', 1),
    p99StartToReceiptOver25Ms: goal(figures.p99StartToReceiptMs, 25, '<', 1),
    p99OverP50StartToReceipt: goal(figures.p99StartToReceiptMs, figures.p50StartToReceiptMs, '≤', 4),
    thirteenTaskOverBroker: goal(figures.thirteenTaskCompletionsPerSec, figures.brokerMsgsPerSec, '≥', 0.3),
  };
}
