/** What each peer's measurement gives back, and the plan both are driven by, so that they are driven alike. */
import { runClosedLoop } from '../closed-loop';
import { type CpuMsPerStep, CpuWindow, type TickCounter } from '../process-cpu';

export interface PeerPlan {
  /** Producers in the one-job closed loop (Turnout's one-task starters). */
  oneJobConcurrency: number;
  oneJobMs: number;
  /** Thirteen-step chains in flight (Turnout's thirteen-task runs in flight). */
  chainConcurrency: number;
  chainMs: number;
  log: (message: string) => void;
}

export interface PeerFigures<StoreGroup extends string> {
  jobsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  chainStepsPerSec: number;
  /** How the peer was set up and driven, in words, so that a reader can judge the comparison. */
  setup: Record<string, string>;
  cpuMsPerStep: { oneJob: CpuMsPerStep<StoreGroup | 'load'>; chain: CpuMsPerStep<StoreGroup | 'load'> };
}

/** A peer that could not start or failed says why; the rest of the benchmark still runs. */
export type PeerOutcome<StoreGroup extends string> = PeerFigures<StoreGroup> | { unavailable: string };

export const CHAIN_LENGTH = 13;

export function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A peer's thirteen-step chains, driven as Turnout's thirteen-task runs are:
 * `startChain` begins one and resolves once its last step has completed;
 * `stepsCompleted` counts every step the peer's workers completed.
 */
export async function measureChains<Group extends string>(options: {
  peer: string;
  plan: PeerPlan;
  cpuGroups: Record<Group, TickCounter>;
  stepsCompleted: () => number;
  startChain: (chain: string) => Promise<void>;
}): Promise<{ chainStepsPerSec: number; cpuMsPerStep: CpuMsPerStep<Group> }> {
  const { peer, plan, stepsCompleted } = options;
  plan.log(`${peer} chain: ${plan.chainConcurrency} thirteen-step chains in flight for ${plan.chainMs / 1000} s`);
  let chainsStarted = 0;
  const stepsBefore = stepsCompleted();
  const cpu = new CpuWindow(options.cpuGroups);
  const chains = await runClosedLoop({
    concurrency: plan.chainConcurrency,
    durationMs: plan.chainMs,
    runName: `${peer} chain`,
    run: () => options.startChain(String((chainsStarted += 1))),
    progress: (done, ms) => plan.log(`  ${done} chains, ${stepsCompleted() - stepsBefore} steps in ${Math.round(ms / 1000)} s`),
  });
  const steps = stepsCompleted() - stepsBefore;
  const chainStepsPerSec = steps / chains.seconds;
  plan.log(`${peer} chain: ${Math.round(chainStepsPerSec)} step completions/s`);
  return { chainStepsPerSec, cpuMsPerStep: cpu.perStep(steps) };
}
