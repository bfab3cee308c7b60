/**
 * BullMQ, measured beside Turnout: the same one-task and thirteen-task shapes,
 * its queues named like Turnout's pools (`<task type>@fast`), on a redis-server
 * of the benchmark's own, with workers in this process as Turnout's are.
 *
 * Set up as a user who wanted it fast and safe would: the append-only file
 * fsynced every second (bench/peers/redis-server.ts), the last 1,000 completed
 * jobs kept (BullMQ's guide recommends bounding them; keeping all would grow
 * redis through the run), workers of the same concurrency as Turnout's.
 */
import { type ConnectionOptions, Queue, QueueEvents, Worker } from 'bullmq';
import { ArrivalClock } from '../arrival-clock';
import { runClosedLoop } from '../closed-loop';
import { LatencyRecorder } from '../latency-recorder';
import { CpuWindow, benchProcessTicks, processTicks } from '../process-cpu';
import { CHAIN_LENGTH, type PeerOutcome, type PeerPlan, measureChains, reasonOf } from './peer-figures';
import { type RedisServer, startRedisServer } from './redis-server';

const JOB_OPTIONS = { removeOnComplete: 1_000, removeOnFail: 1_000 };
// Turnout's pools in bench/run.ts: two workers of 100 for one-task, one of 64 per step type.
const ONE_JOB_WORKERS = 2;
const ONE_JOB_WORKER_CONCURRENCY = 100;
const STEP_WORKER_CONCURRENCY = 64;

type StoreGroup = 'redis';

export async function measureBullmq(plan: PeerPlan): Promise<PeerOutcome<StoreGroup>> {
  let redis: RedisServer;
  try {
    redis = await startRedisServer();
  } catch (error) {
    return { unavailable: `redis-server did not start: ${reasonOf(error)}` };
  }
  const closing: Array<{ close(): Promise<unknown> }> = [];
  try {
    const connection: ConnectionOptions = { host: '127.0.0.1', port: redis.port };
    const cpuGroups = { redis: processTicks(redis.pid), load: benchProcessTicks() };
    // Anything BullMQ reports as an error ends the phase with it, rather than stalling it.
    let failed!: (error: Error) => void;
    const failure = new Promise<never>((_, reject) => (failed = reject));
    failure.catch(() => undefined);
    const fail = (error: Error) => failed(error);

    // (a) One-task jobs through a pool's queue: add, then wait for its completion.
    const oneQueueName = 'bench_one@fast';
    const oneQueue = new Queue(oneQueueName, { connection, defaultJobOptions: JOB_OPTIONS });
    // Completion the way BullMQ documents waiting for a job: QueueEvents (one reader of the
    // queue's event stream) and job.waitUntilFinished, which listens there for that job.
    const oneEvents = new QueueEvents(oneQueueName, { connection });
    closing.push(oneEvents, oneQueue);
    // waitUntilFinished listens for the queue closing, once per job waited for.
    oneQueue.setMaxListeners(plan.oneJobConcurrency + 10);
    oneQueue.on('error', fail);
    oneEvents.on('error', fail);
    const oneWorkers = Array.from({ length: ONE_JOB_WORKERS }, () => {
      const worker = new Worker(oneQueueName, async () => ({ n: 1 }), { connection, concurrency: ONE_JOB_WORKER_CONCURRENCY });
      worker.on('error', fail);
      closing.unshift(worker);
      return worker;
    });
    await Promise.all([oneQueue.waitUntilReady(), oneEvents.waitUntilReady(), ...oneWorkers.map((worker) => worker.waitUntilReady())]);

    plan.log(`BullMQ one-job: ${plan.oneJobConcurrency} producers for ${plan.oneJobMs / 1000} s`);
    const addToCompleted = new LatencyRecorder();
    const oneCpu = new CpuWindow(cpuGroups);
    const oneJob = await runClosedLoop({
      concurrency: plan.oneJobConcurrency,
      durationMs: plan.oneJobMs,
      runName: 'BullMQ job',
      run: async () => {
        const addedAt = performance.now();
        const job = await oneQueue.add('bench_one', { n: 1 });
        await Promise.race([failure, job.waitUntilFinished(oneEvents)]);
        addToCompleted.add(performance.now() - addedAt);
      },
      progress: (done, ms) => plan.log(`  ${done} jobs in ${Math.round(ms / 1000)} s`),
    });
    const oneJobCpu = oneCpu.perStep(oneJob.completed);
    const jobsPerSec = oneJob.completed / oneJob.seconds;
    plan.log(`BullMQ one-job: ${Math.round(jobsPerSec)} jobs/s, add→completed p50 ${addToCompleted.percentile(50).toFixed(1)} p99 ${addToCompleted.percentile(99).toFixed(1)} ms`);

    // (b) Thirteen-step chains: step n+1 is added when BullMQ has moved step n to
    // completed (the worker's 'completed' event), with step n's output as its data,
    // as Turnout's router passes a task's output on. Worker-side chaining costs BullMQ
    // one add per step and no waiting client: the cheapest chain it offers that keeps
    // the order strict (a flow would need a getChildrenValues read per step for the data).
    const stepNames = Array.from({ length: CHAIN_LENGTH }, (_, i) => `bench_step_${i + 1}@fast`);
    const stepQueues = stepNames.map((name) => new Queue(name, { connection, defaultJobOptions: JOB_OPTIONS }));
    closing.push(...stepQueues);
    const chainsDone = new ArrivalClock();
    let stepsCompleted = 0;
    const stepWorkers = stepNames.map((name, index) => {
      const worker = new Worker(name, async () => ({ n: 1 }), { connection, concurrency: STEP_WORKER_CONCURRENCY });
      worker.on('error', fail);
      worker.on('completed', (job, output: { n: number }) => {
        stepsCompleted += 1;
        const chain = (job.data as { chain: string }).chain;
        if (index + 1 === CHAIN_LENGTH) chainsDone.arrived(chain);
        else stepQueues[index + 1].add(stepNames[index + 1], { chain, previous: output.n }).catch(fail);
      });
      closing.unshift(worker);
      return worker;
    });
    for (const queue of stepQueues) queue.on('error', fail);
    await Promise.all([...stepQueues, ...stepWorkers].map((client) => client.waitUntilReady()));

    const { chainStepsPerSec, cpuMsPerStep: chainCpuPerStep } = await measureChains({
      peer: 'BullMQ',
      plan,
      cpuGroups,
      stepsCompleted: () => stepsCompleted,
      startChain: async (chain) => {
        await stepQueues[0].add(stepNames[0], { chain, n: 1 });
        await Promise.race([failure, chainsDone.arrival(chain)]);
      },
    });

    return {
      jobsPerSec,
      p50Ms: addToCompleted.percentile(50),
      p99Ms: addToCompleted.percentile(99),
      chainStepsPerSec,
      setup: {
        version: `bullmq ${bullmqVersion()}, redis-server ${redis.version}`,
        store: 'its own redis-server: appendonly yes, appendfsync everysec, no RDB snapshots',
        oneJob: `queue ${oneQueueName}; ${ONE_JOB_WORKERS} workers × concurrency ${ONE_JOB_WORKER_CONCURRENCY}; completion by QueueEvents + job.waitUntilFinished`,
        chain: `${CHAIN_LENGTH} queues bench_step_N@fast, a worker × concurrency ${STEP_WORKER_CONCURRENCY} each; the next step added on the worker's 'completed' event`,
        jobs: 'removeOnComplete 1000, removeOnFail 1000',
      },
      cpuMsPerStep: { oneJob: oneJobCpu, chain: chainCpuPerStep },
    };
  } catch (error) {
    return { unavailable: `failed: ${reasonOf(error)}` };
  } finally {
    // Workers first (unshifted), then the queues and event readers they used.
    for (const client of closing) await client.close().catch(() => undefined);
    await redis.stop();
  }
}

function bullmqVersion(): string {
  return (require('bullmq/package.json') as { version: string }).version;
}
