/** What each peer's measurement gives back, and the plan both are driven by, so that they are driven alike. */
import type { CpuMsPerStep } from '../process-cpu';

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
