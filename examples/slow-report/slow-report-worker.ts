/**
 * A worker whose tasks take a while, to watch a graceful shutdown: stop it
 * (Ctrl-C, or SIGTERM from an orchestrator) while it holds tasks. It takes no
 * new ones, lets those it holds finish until the deadline, puts the unfinished
 * ones back on the queue for another worker, tells Turnout it is gone, and exits.
 *
 *     npm run example:slow-report
 *     SHUTDOWN_DEADLINE_MS=3000 npm run example:slow-report
 */
import { setTimeout as delay } from 'node:timers/promises';
import { type Task, TaskRunner, defineWorker } from '@turnout/worker';
import { AMQP_URL, exampleTaskType, exitOnStartFailure } from '../example-environment';

interface ReportRequest {
  /** How long the report takes to render (default 5 s). */
  durationMs?: number;
}

interface Report {
  report: string;
  tookMs: number;
}

const slowReport = defineWorker({
  taskType: exampleTaskType('slow_report'),
  concurrency: 2,
  execute: async (task: Task<ReportRequest>, { signal }): Promise<Report> => {
    const durationMs = task.inputData.durationMs ?? 5_000;
    console.log(`rendering the report of task ${task.taskId} (${durationMs} ms)`);
    const started = Date.now();
    // Stops waiting when the worker gives the task up (shutdown deadline, lost connection).
    await delay(durationMs, undefined, { signal });
    return { report: 'ready', tookMs: Date.now() - started };
  },
});

const runner = new TaskRunner({
  amqpUrl: AMQP_URL,
  workers: [slowReport],
  shutdownDeadlineMs: Number(process.env.SHUTDOWN_DEADLINE_MS ?? 10_000),
  handleSignals: true,
});
runner.start().catch(exitOnStartFailure);
