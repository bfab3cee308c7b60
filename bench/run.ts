/**
 * `npm run bench [-- --quick] [--without-peers]`: Turnout's throughput and latency beside the raw
 * broker and two peers (BullMQ, pg-boss) on the same machine, in one run, with
 * the CPU each process group spent per task step. Prints a table and writes
 * bench/results/latest.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { TaskWorker } from '@turnout/worker';
import { measureBrokerBaseline } from './baseline-broker';
import { ArrivalClock } from './arrival-clock';
import { RESULTS_DIRECTORY, startBenchEnvironment, waitForWorkers } from './bench-environment';
import { runClosedLoop } from './closed-loop';
import { GOAL_LABELS, type GoalName, issueGoals } from './goals';
import { publishHeartbeats } from './heartbeat-load';
import { LatencyRecorder } from './latency-recorder';
import { measureBullmq } from './peers/bullmq-load';
import type { PeerOutcome } from './peers/peer-figures';
import { measurePgBoss } from './peers/pg-boss-load';
import { CpuWindow, type CpuMsPerStep, benchProcessTicks, commandTicks, postgresTicks, processTicks, waitUntilQuiet } from './process-cpu';
import { measureRoutingDecision } from './routing-scale';
import { CompletionWatcher, registerWorkflow, runOpenLoop, startWorkflow } from './workflow-load';

const quick = process.argv.includes('--quick');
// For comparing two trees of Turnout back to back: the peers' rows say they were left out.
const withoutPeers = process.argv.includes('--without-peers');
const plan = quick
  ? { baselineMessages: 20_000, oneTaskMs: 10_000, latencyMs: 8_000, thirteenTaskMs: 15_000, heartbeatRounds: 2, decisionIterations: 200_000 }
  : { baselineMessages: 100_000, oneTaskMs: 30_000, latencyMs: 20_000, thirteenTaskMs: 60_000, heartbeatRounds: 10, decisionIterations: 1_000_000 };
// Enough runs at once to keep both cores busy: with fewer, a closed loop measures
// latency × concurrency, not what the machine sustains (128 in flight left it ~25% idle).
const ONE_TASK_CONCURRENCY = 128;
const THIRTEEN_TASK_CONCURRENCY = 512;

const log = (message: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
const round = (value: number, digits = 1) => Number(value.toFixed(digits));

async function main(): Promise<void> {
  log(`${quick ? 'quick' : 'full'} run on ${cpus().length} cores, ${round(totalmem() / 2 ** 30)} GiB`);
  const env = await startBenchEnvironment();
  const workers: TaskWorker<any, any>[] = [];
  const watcher = new CompletionWatcher();
  try {
    await watcher.start(env.amqpUrl);
    // What Turnout's phases use: its two processes, the database, the broker, and this process (load and workers).
    const turnoutCpu = {
      api: processTicks(env.pids.api),
      router: processTicks(env.pids.router),
      postgres: postgresTicks(),
      rabbitmq: commandTicks('beam.smp'),
      load: benchProcessTicks(),
    };

    log(`baseline: ${plan.baselineMessages} persistent messages, publisher confirms, consumer acks`);
    const baseline = await measureBrokerBaseline(env.amqpUrl, plan.baselineMessages);
    log(`baseline: ${round(baseline.msgsPerSec)} msgs/s`);

    // One-task workflows routed by a map to the `fast` pool.
    const receipts = new ArrivalClock();
    await registerWorkflow(env.apiUrl, 'bench_one_task', ['bench_one']);
    for (let i = 0; i < 2; i += 1) {
      const worker = new TaskWorker({
        amqpUrl: env.amqpUrl,
        taskType: 'bench_one',
        domain: 'fast',
        concurrency: 100,
        execute: (task) => {
          receipts.arrived(task.workflowInstanceId);
          return { n: 1 };
        },
      });
      await worker.start();
      workers.push(worker);
    }
    await waitForWorkers(env.databaseUrl, workers);
    const startOne = () => startWorkflow(env.apiUrl, { name: 'bench_one_task', input: { n: 1 }, taskToDomain: { bench_one: 'fast,NO_DOMAIN' } });
    log(`one-task workflows: ${ONE_TASK_CONCURRENCY} concurrent starters for ${plan.oneTaskMs / 1000} s`);
    const oneTaskCpuWindow = new CpuWindow(turnoutCpu);
    const oneTask = await runClosedLoop({
      concurrency: ONE_TASK_CONCURRENCY,
      durationMs: plan.oneTaskMs,
      runName: 'workflow',
      run: async () => {
        const id = await startOne();
        void receipts.arrival(id);
        await watcher.completion(id);
      },
      progress: (done, ms) => log(`  ${done} completed in ${round(ms / 1000)} s`),
    });
    // A one-task workflow is one task step.
    const oneTaskCpu = oneTaskCpuWindow.perStep(oneTask.completed);
    const oneTaskPerSec = oneTask.completed / oneTask.seconds;
    log(`one-task: ${round(oneTaskPerSec)} workflows/s`);

    const rate = Math.max(1, Math.floor(oneTaskPerSec / 2));
    log(`latency at half that load: ${rate} starts/s for ${plan.latencyMs / 1000} s`);
    const latency = await runOpenLoop({ ratePerSec: rate, durationMs: plan.latencyMs, start: startOne, watcher, receipts });
    log(
      `  start→receipt p50 ${round(latency.startToReceipt.percentile(50))} p95 ${round(latency.startToReceipt.percentile(95))} p99 ${round(latency.startToReceipt.percentile(99))} ms; ` +
        `start→completed p99 ${round(latency.startToCompleted.percentile(99))} ms`,
    );

    // Thirteen-task workflows, the shape of Conductor's published load test.
    const thirteenTypes = Array.from({ length: 13 }, (_, i) => `bench_step_${i + 1}`);
    await registerWorkflow(env.apiUrl, 'bench_thirteen_tasks', thirteenTypes);
    const stepWorkers: TaskWorker<any, any>[] = [];
    // Per hop: from the router deciding a task (its scheduledTime) to a worker holding it.
    const scheduledToReceipt = new LatencyRecorder();
    for (const taskType of thirteenTypes) {
      const worker = new TaskWorker({
        amqpUrl: env.amqpUrl,
        taskType,
        domain: 'fast',
        concurrency: 64,
        execute: (task) => {
          scheduledToReceipt.add(Date.now() - task.scheduledTime);
          return { n: 1 };
        },
      });
      await worker.start();
      stepWorkers.push(worker);
      workers.push(worker);
    }
    await waitForWorkers(env.databaseUrl, stepWorkers);
    const tasksDone = () => stepWorkers.reduce((sum, worker) => sum + worker.tasksCompleted, 0);
    log(`thirteen-task workflows: ${THIRTEEN_TASK_CONCURRENCY} in flight for ${plan.thirteenTaskMs / 1000} s`);
    const tasksBefore = tasksDone();
    const thirteenCpuWindow = new CpuWindow(turnoutCpu);
    const thirteen = await runClosedLoop({
      concurrency: THIRTEEN_TASK_CONCURRENCY,
      durationMs: plan.thirteenTaskMs,
      runName: 'workflow',
      run: async () => {
        const id = await startWorkflow(env.apiUrl, { name: 'bench_thirteen_tasks', input: { n: 1 }, taskToDomain: { '*': 'fast,NO_DOMAIN' } });
        await watcher.completion(id);
      },
      progress: (done, ms) => log(`  ${done} workflows, ${tasksDone() - tasksBefore} tasks in ${round(ms / 1000)} s`),
    });
    const thirteenCpu = thirteenCpuWindow.perStep(tasksDone() - tasksBefore);
    const taskCompletionsPerSec = (tasksDone() - tasksBefore) / thirteen.seconds;
    log(`thirteen-task: ${round(taskCompletionsPerSec)} task completions/s (${round(thirteen.completed / thirteen.seconds)} workflows/s)`);
    log(`  scheduled→receipt p50 ${round(scheduledToReceipt.percentile(50))} p99 ${round(scheduledToReceipt.percentile(99))} ms`);

    // The peers, driven as Turnout was: the same producers and chains in flight, for as long.
    // Turnout's processes stay up beside them, once what the last phase left them to do is done.
    const settling = performance.now();
    const quiet = await waitUntilQuiet([turnoutCpu.api, turnoutCpu.router, turnoutCpu.postgres], { coreShare: 0.1, timeoutMs: 20_000 });
    log(quiet ? `Turnout quiet after ${round((performance.now() - settling) / 1000)} s` : 'Turnout still busy 20 s after its last phase: the peers share the machine with it');
    const peerPlan = { oneJobConcurrency: ONE_TASK_CONCURRENCY, oneJobMs: plan.oneTaskMs, chainConcurrency: THIRTEEN_TASK_CONCURRENCY, chainMs: plan.thirteenTaskMs, log };
    const leftOut = { unavailable: 'left out (--without-peers)' } as const;
    const bullmq = withoutPeers ? leftOut : await measureBullmq(peerPlan);
    if ('unavailable' in bullmq) log(`BullMQ unavailable: ${bullmq.unavailable}`);
    const pgBoss = withoutPeers ? leftOut : await measurePgBoss(peerPlan);
    if ('unavailable' in pgBoss) log(`pg-boss unavailable: ${pgBoss.unavailable}`);

    // Routing at scale: 10,000 workers across 1,000 domains heartbeat into the real router.
    log(`heartbeats: 10,000 workers across 1,000 domains, ${plan.heartbeatRounds} rounds`);
    const rssBefore = env.routerRssMb();
    const heartbeats = await publishHeartbeats(env.amqpUrl, { workers: 10_000, domains: 1_000, rounds: plan.heartbeatRounds, taskType: 'charge_card' });
    const rssAfter = env.routerRssMb();
    log(`heartbeats: ${round(heartbeats.perSec)}/s absorbed; router RSS ${round(rssBefore)} → ${round(rssAfter)} MB`);

    const scales = [
      measureRoutingDecision(1_000, 100, plan.decisionIterations),
      measureRoutingDecision(10_000, 1_000, plan.decisionIterations),
      measureRoutingDecision(100_000, 10_000, plan.decisionIterations),
    ];
    for (const figure of scales) log(`routing decision: ${round(figure.decisionMicros, 2)} µs at ${figure.workers} workers, ${figure.domains} domains`);
    const atTarget = scales[1];

    const results = {
      when: new Date().toISOString(),
      quick,
      machine: { cores: cpus().length, memoryGb: round(totalmem() / 2 ** 30) },
      baseline: { msgsPerSec: round(baseline.msgsPerSec), messages: plan.baselineMessages },
      oneTask: {
        workflowsPerSec: round(oneTaskPerSec),
        concurrency: ONE_TASK_CONCURRENCY,
        latencyRatePerSec: rate,
        p50StartToReceiptMs: round(latency.startToReceipt.percentile(50)),
        p95StartToReceiptMs: round(latency.startToReceipt.percentile(95)),
        p99StartToReceiptMs: round(latency.startToReceipt.percentile(99)),
        p50StartToCompletedMs: round(latency.startToCompleted.percentile(50)),
        p95StartToCompletedMs: round(latency.startToCompleted.percentile(95)),
        p99StartToCompletedMs: round(latency.startToCompleted.percentile(99)),
      },
      thirteenTask: {
        taskCompletionsPerSec: round(taskCompletionsPerSec),
        workflowsPerSec: round(thirteen.completed / thirteen.seconds),
        seconds: round(thirteen.seconds),
        inFlight: THIRTEEN_TASK_CONCURRENCY,
        p50ScheduledToReceiptMs: round(scheduledToReceipt.percentile(50)),
        p99ScheduledToReceiptMs: round(scheduledToReceipt.percentile(99)),
      },
      routing: {
        decisionMicros: round(atTarget.decisionMicros, 3),
        workers: atTarget.workers,
        domains: atTarget.domains,
        fallbackDomains: 5,
        scales: scales.map((figure) => ({ ...figure, decisionMicros: round(figure.decisionMicros, 3) })),
        routerRssBeforeMb: round(rssBefore),
        routerRssAfterMb: round(rssAfter),
      },
      heartbeats: { perSec: round(heartbeats.perSec), total: heartbeats.heartbeats },
      router: { maxRssMb: round(env.routerMaxRssMb()) },
      ratio: round(taskCompletionsPerSec / baseline.msgsPerSec, 3),
      peers: { bullmq: peerSummary(bullmq), pgBoss: peerSummary(pgBoss) },
      cpuMsPerTask: {
        turnoutOneTask: roundCpu(oneTaskCpu),
        turnoutThirteenTask: roundCpu(thirteenCpu),
        bullmqOneJob: 'unavailable' in bullmq ? null : roundCpu(bullmq.cpuMsPerStep.oneJob),
        bullmqChain: 'unavailable' in bullmq ? null : roundCpu(bullmq.cpuMsPerStep.chain),
        pgBossOneJob: 'unavailable' in pgBoss ? null : roundCpu(pgBoss.cpuMsPerStep.oneJob),
        pgBossChain: 'unavailable' in pgBoss ? null : roundCpu(pgBoss.cpuMsPerStep.chain),
      },
      goals: issueGoals({
        brokerMsgsPerSec: baseline.msgsPerSec,
        oneTaskWorkflowsPerSec: oneTaskPerSec,
        thirteenTaskCompletionsPerSec: taskCompletionsPerSec,
        p50StartToReceiptMs: latency.startToReceipt.percentile(50),
        p99StartToReceiptMs: latency.startToReceipt.percentile(99),
        turnoutCpuMsPerThirteenTaskStep: thirteenCpu.total,
        bullmq: 'unavailable' in bullmq ? undefined : { jobsPerSec: bullmq.jobsPerSec, chainStepsPerSec: bullmq.chainStepsPerSec, cpuMsPerChainStep: bullmq.cpuMsPerStep.chain.total },
        pgBoss: 'unavailable' in pgBoss ? undefined : { jobsPerSec: pgBoss.jobsPerSec },
      }),
    };
    printTable(results);
    mkdirSync(RESULTS_DIRECTORY, { recursive: true });
    writeFileSync(join(RESULTS_DIRECTORY, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
    log(`figures written to bench/results/latest.json`);
  } finally {
    await Promise.allSettled(workers.map((worker) => worker.stop()));
    await watcher.stop().catch(() => undefined);
    await env.stop();
  }
}

/** A peer's figures for latest.json: its CPU goes to cpuMsPerTask, beside Turnout's. */
function peerSummary(outcome: PeerOutcome<string>) {
  if ('unavailable' in outcome) return outcome;
  return { jobsPerSec: round(outcome.jobsPerSec), p50Ms: round(outcome.p50Ms), p99Ms: round(outcome.p99Ms), chainStepsPerSec: round(outcome.chainStepsPerSec), setup: outcome.setup };
}

function roundCpu<Group extends string>(figures: CpuMsPerStep<Group>): CpuMsPerStep<Group> {
  return Object.fromEntries(Object.entries<number>(figures).map(([group, ms]) => [group, round(ms, 3)])) as CpuMsPerStep<Group>;
}

function peerRows(name: string, peer: any): Array<[string, string, string]> {
  if ('unavailable' in peer) return [[name, 'unavailable', peer.unavailable]];
  return [
    [`${name}: one-task jobs`, `${peer.jobsPerSec} jobs/s`, `add→completed p50 ${peer.p50Ms} / p99 ${peer.p99Ms} ms`],
    [`${name}: thirteen-step chains`, `${peer.chainStepsPerSec} steps/s`, ''],
  ];
}

function cpuRow(name: string, figures: Record<string, number> | null): [string, string, string] {
  if (figures === null) return [`  ${name}`, 'unavailable', ''];
  const { total, ...groups } = figures;
  return [`  ${name}`, `${total} ms`, Object.entries(groups).map(([group, ms]) => `${group} ${ms}`).join(', ')];
}

function printTable(results: any): void {
  const rows: Array<[string, string, string]> = [
    ['baseline: raw broker, confirms + acks', `${results.baseline.msgsPerSec} msgs/s`, 'the limit'],
    ['one-task workflows', `${results.oneTask.workflowsPerSec} workflows/s`, 'target ≥ 1,000'],
    [`  at ${results.oneTask.latencyRatePerSec}/s: start→receipt p50/p95/p99`, `${results.oneTask.p50StartToReceiptMs} / ${results.oneTask.p95StartToReceiptMs} / ${results.oneTask.p99StartToReceiptMs} ms`, 'p99 target < 25 ms'],
    ['  start→completed p50/p95/p99', `${results.oneTask.p50StartToCompletedMs} / ${results.oneTask.p95StartToCompletedMs} / ${results.oneTask.p99StartToCompletedMs} ms`, ''],
    ['thirteen-task workflows: task completions', `${results.thirteenTask.taskCompletionsPerSec} /s`, 'target ≥ 3,000'],
    ['  a task scheduled→worker receipt p50/p99', `${results.thirteenTask.p50ScheduledToReceiptMs} / ${results.thirteenTask.p99ScheduledToReceiptMs} ms`, ''],
    ['  ratio to baseline', `${results.ratio}`, ''],
    [`routing decision (${results.routing.workers} workers, ${results.routing.domains} domains, 5 fallbacks)`, `${results.routing.decisionMicros} µs`, 'target < 50 µs'],
    ['heartbeats absorbed', `${results.heartbeats.perSec} /s`, ''],
    ['router max RSS', `${results.router.maxRssMb} MB`, 'target < 250 MB'],
    ...peerRows('BullMQ', results.peers.bullmq),
    ...peerRows('pg-boss', results.peers.pgBoss),
    ['CPU per task step (all groups)', '', 'by group, ms'],
    cpuRow('Turnout one-task', results.cpuMsPerTask.turnoutOneTask),
    cpuRow('Turnout thirteen-task', results.cpuMsPerTask.turnoutThirteenTask),
    cpuRow('BullMQ one-job', results.cpuMsPerTask.bullmqOneJob),
    cpuRow('BullMQ chain', results.cpuMsPerTask.bullmqChain),
    cpuRow('pg-boss one-job', results.cpuMsPerTask.pgBossOneJob),
    cpuRow('pg-boss chain', results.cpuMsPerTask.pgBossChain),
    ['goals of issue 13', 'ratio', 'target'],
    ...(Object.keys(GOAL_LABELS) as GoalName[]).map((name): [string, string, string] => {
      const goal = results.goals[name];
      return [`  ${GOAL_LABELS[name]}`, `${goal.ratio ?? '—'}`, `${goal.target} ${goal.met === null ? 'not measured' : goal.met ? 'met' : 'not met'}`];
    }),
  ];
  const width = Math.max(...rows.map((row) => row[0].length));
  console.log('');
  for (const [name, value, note] of rows) console.log(`${name.padEnd(width)}  ${value.padEnd(22)}  ${note}`);
  console.log('');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
