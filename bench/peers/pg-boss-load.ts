/**
 * pg-boss, measured beside Turnout: the same one-task and thirteen-task shapes
 * on the same PostgreSQL, in a database of its own (`turnout_bench_pgboss`,
 * made fresh and dropped at the end), its queues named like Turnout's pools,
 * with workers in this process as Turnout's are.
 *
 * pg-boss workers poll. 10.x accepts a polling interval of 0.5 s at the least
 * (its default is 2 s); the workers here poll at that least, and each poll
 * takes up to as many jobs as can be waiting (batchSize), so that the batch is
 * never what limits it. A worker waits out the rest of its interval after each
 * batch, so its polls keep the phase it started with. Workers started at one
 * instant poll in step, and a closed loop then waits a whole interval for every
 * job (measured: 255 jobs/s, p50 499 ms; chains at one step per queue per
 * interval), which no deployment of independent worker processes would see.
 * So the workers start half an interval apart (pollStagger): a job or a chain's
 * next step waits half an interval for a poll, the average wait behind workers
 * whose phases are independent.
 *
 * pg-boss 10 has no completion events. Each worker's handler completes its
 * batch itself (`complete`, awaited) and then tells the waiting producer, in
 * this process: the producer learns of the completion as soon as it is
 * written, with no polling of job states adding load or delay. pg-boss then
 * issues its own `complete` for the batch, which finds the jobs completed
 * already: one extra update a batch, not a job.
 */
import PgBoss from 'pg-boss';
import { ArrivalClock } from '../arrival-clock';
import { POSTGRES_URL, dropDatabase, freshDatabase } from '../bench-environment';
import { runClosedLoop } from '../closed-loop';
import { LatencyRecorder } from '../latency-recorder';
import { CpuWindow, benchProcessTicks, postgresTicks } from '../process-cpu';
import { CHAIN_LENGTH, type PeerOutcome, type PeerPlan, measureChains, reasonOf } from './peer-figures';

const DATABASE = 'turnout_bench_pgboss';
const POLLING_INTERVAL_SECONDS = 0.5;
const pollStagger = () => new Promise((resolve) => setTimeout(resolve, (POLLING_INTERVAL_SECONDS * 1000) / 2));
// Turnout's pools in bench/run.ts: two workers for one-task, one per step type.
const ONE_JOB_WORKERS = 2;

type StoreGroup = 'postgres';

export async function measurePgBoss(plan: PeerPlan): Promise<PeerOutcome<StoreGroup>> {
  let boss: PgBoss;
  try {
    const databaseUrl = await freshDatabase(POSTGRES_URL, DATABASE);
    // Its defaults otherwise: a pool of 10 connections, maintenance and the cron clock on.
    boss = new PgBoss({ connectionString: databaseUrl });
    await boss.start();
  } catch (error) {
    await dropDatabase(POSTGRES_URL, DATABASE).catch(() => undefined);
    return { unavailable: `pg-boss did not start: ${reasonOf(error)}` };
  }
  try {
    const cpuGroups = { postgres: postgresTicks(), load: benchProcessTicks() };
    let failed!: (error: Error) => void;
    const failure = new Promise<never>((_, reject) => (failed = reject));
    failure.catch(() => undefined);
    // pg-boss reports a worker's or its maintenance's error as an event; it ends the phase with it.
    boss.on('error', (error: { message: string }) => failed(new Error(error.message)));

    // (a) One-task jobs through a pool's queue: send, then wait for its completion.
    const oneQueueName = 'bench_one@fast';
    await boss.createQueue(oneQueueName);
    const jobsDone = new ArrivalClock();
    for (let i = 0; i < ONE_JOB_WORKERS; i += 1) {
      if (i > 0) await pollStagger();
      await boss.work<{ n: number }>(oneQueueName, { batchSize: plan.oneJobConcurrency, pollingIntervalSeconds: POLLING_INTERVAL_SECONDS }, async (jobs) => {
        await boss.complete(
          oneQueueName,
          jobs.map((job) => job.id),
        );
        for (const job of jobs) jobsDone.arrived(job.id);
      });
    }

    plan.log(`pg-boss one-job: ${plan.oneJobConcurrency} producers for ${plan.oneJobMs / 1000} s`);
    const sendToCompleted = new LatencyRecorder();
    const oneCpu = new CpuWindow(cpuGroups);
    const oneJob = await runClosedLoop({
      concurrency: plan.oneJobConcurrency,
      durationMs: plan.oneJobMs,
      runName: 'pg-boss job',
      run: async () => {
        const sentAt = performance.now();
        const id = await boss.send(oneQueueName, { n: 1 });
        if (id === null) throw new Error('pg-boss did not create a job');
        await Promise.race([failure, jobsDone.arrival(id)]);
        sendToCompleted.add(performance.now() - sentAt);
      },
      progress: (done, ms) => plan.log(`  ${done} jobs in ${Math.round(ms / 1000)} s`),
    });
    const oneJobCpu = oneCpu.perStep(oneJob.completed);
    await boss.offWork(oneQueueName);
    const jobsPerSec = oneJob.completed / oneJob.seconds;
    plan.log(`pg-boss one-job: ${Math.round(jobsPerSec)} jobs/s, send→completed p50 ${sendToCompleted.percentile(50).toFixed(1)} p99 ${sendToCompleted.percentile(99).toFixed(1)} ms`);

    // (b) Thirteen-step chains: a step's worker completes its batch, then inserts
    // the next steps in one statement (pg-boss's bulk insert), each with its
    // chain and its predecessor's output, so step n+1 exists only once step n is completed.
    const stepNames = Array.from({ length: CHAIN_LENGTH }, (_, i) => `bench_step_${i + 1}@fast`);
    const chainsDone = new ArrivalClock();
    let stepsCompleted = 0;
    for (const [index, name] of stepNames.entries()) {
      await boss.createQueue(name);
      if (index > 0) await pollStagger();
      await boss.work<{ chain: string }>(name, { batchSize: plan.chainConcurrency, pollingIntervalSeconds: POLLING_INTERVAL_SECONDS }, async (jobs) => {
        const outputs = jobs.map((job) => ({ chain: job.data.chain, n: 1 }));
        await boss.complete(
          name,
          jobs.map((job) => job.id),
        );
        stepsCompleted += jobs.length;
        if (index + 1 === CHAIN_LENGTH) for (const output of outputs) chainsDone.arrived(output.chain);
        else await boss.insert(outputs.map((output) => ({ name: stepNames[index + 1], data: { chain: output.chain, previous: output.n } })));
      });
    }

    const { chainStepsPerSec, cpuMsPerStep: chainCpuPerStep } = await measureChains({
      peer: 'pg-boss',
      plan,
      cpuGroups,
      stepsCompleted: () => stepsCompleted,
      startChain: async (chain) => {
        await boss.send(stepNames[0], { chain, n: 1 });
        await Promise.race([failure, chainsDone.arrival(chain)]);
      },
    });

    return {
      jobsPerSec,
      p50Ms: sendToCompleted.percentile(50),
      p99Ms: sendToCompleted.percentile(99),
      chainStepsPerSec,
      setup: {
        version: `pg-boss ${(require('pg-boss/package.json') as { version: string }).version}`,
        store: `database ${DATABASE} on the same PostgreSQL, pool of 10 (its default)`,
        polling: `pollingIntervalSeconds ${POLLING_INTERVAL_SECONDS} (the least 10.x accepts; default 2)`,
        stagger: `workers started ${(POLLING_INTERVAL_SECONDS * 1000) / 2} ms apart, so that their polls do not fall in step`,
        oneJob: `queue ${oneQueueName}; ${ONE_JOB_WORKERS} workers, batchSize ${plan.oneJobConcurrency}; completion signalled in-process after the handler's awaited complete`,
        chain: `${CHAIN_LENGTH} queues bench_step_N@fast, a worker each, batchSize ${plan.chainConcurrency}; the next steps inserted in bulk once a batch is completed`,
      },
      cpuMsPerStep: { oneJob: oneJobCpu, chain: chainCpuPerStep },
    };
  } catch (error) {
    return { unavailable: `failed: ${reasonOf(error)}` };
  } finally {
    // Graceful: its workers finish the batch in hand (whose completion it does not await) before the pool closes.
    await boss.stop({ graceful: true, wait: true, timeout: 10_000 }).catch(() => undefined);
    await dropDatabase(POSTGRES_URL, DATABASE).catch(() => undefined);
  }
}
