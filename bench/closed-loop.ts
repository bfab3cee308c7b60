/**
 * The closed loop every throughput phase uses, Turnout's and the peers': a
 * number of users, each running one thing to its end (a workflow started and
 * completed, a job added and finished, a chain run through) and then the next,
 * until the time is up; the runs in flight at the deadline finish and count.
 */

const STALL_MS = 30_000;

export async function runClosedLoop(options: {
  concurrency: number;
  durationMs: number;
  /** One user's run, resolved when it has completed. */
  run: () => Promise<void>;
  /** What a run is, for the stall message ("workflow", "job", "chain"). */
  runName: string;
  progress?: (completed: number, elapsedMs: number) => void;
}): Promise<{ completed: number; seconds: number }> {
  const began = performance.now();
  const deadline = began + options.durationMs;
  let completed = 0;
  let lastProgressAt = began;
  let lastCompleted = 0;
  // A run that stops making progress is a finding, not something to wait out.
  let stalled!: (error: Error) => void;
  const stall = new Promise<never>((_, reject) => (stalled = reject));
  const ticker = setInterval(() => {
    const now = performance.now();
    options.progress?.(completed, now - began);
    if (completed !== lastCompleted) [lastCompleted, lastProgressAt] = [completed, now];
    else if (now - lastProgressAt > STALL_MS) stalled(new Error(`no ${options.runName} completed for ${STALL_MS / 1000} s (${completed} completed); see bench/results/*.log`));
  }, 5_000);
  try {
    await Promise.race([
      stall,
      Promise.all(
        Array.from({ length: options.concurrency }, async () => {
          while (performance.now() < deadline) {
            await options.run();
            completed += 1;
          }
        }),
      ),
    ]);
  } finally {
    clearInterval(ticker);
  }
  return { completed, seconds: (performance.now() - began) / 1000 };
}
