/**
 * The examples as the README runs them, each a real process built by its npm
 * script: Conductor's "Using Task to Domain" walkthrough (the production
 * hello_world worker and Doug's), refusing a domain list at start, and a
 * graceful shutdown on SIGTERM with the api and router running.
 */
import { Client } from 'pg';
import { type Task, TaskWorker } from '@turnout/worker';
import { type BrokerQueues, connectBrokerQueues } from '../support/broker-queues';
import { type ExampleProcess, type ExampleScript, buildExamples, startExample } from '../support/example-process';
import { type TestDatabase, amqpUrl, createTestDatabase, uniqueName } from '../support/services';
import { TurnoutClient } from '../support/turnout-client';
import { type RunningTurnout, startTurnout } from '../support/turnout-process';
import { waitFor } from '../support/wait-for';
import { presenceOf } from '../support/worker-presence-rows';

describe('the examples, run as the README says', () => {
  let database: TestDatabase;
  let broker: string;
  let turnout: RunningTurnout;
  let api: TurnoutClient;
  let db: Client;
  let queues: BrokerQueues;
  const processes: ExampleProcess[] = [];
  const workers: TaskWorker<any, any>[] = [];
  const queuesMade = new Set<string>();

  beforeAll(async () => {
    database = await createTestDatabase('e2e_worker_examples');
    broker = await amqpUrl();
    // Building the examples and starting Turnout do not depend on each other.
    [turnout] = await Promise.all([
      startTurnout({ DATABASE_URL: database.url, AMQP_URL: broker, PRESENCE_REFRESH_MS: '100', RELAY_POLL_MS: '200' }),
      buildExamples(),
    ]);
    api = new TurnoutClient(turnout.baseUrl);
    db = new Client({ connectionString: database.url });
    await db.connect();
    queues = await connectBrokerQueues(broker);
  }, 60_000);

  afterAll(async () => {
    await Promise.allSettled([...processes.map((example) => example.stop()), ...workers.map((worker) => worker.stop())]);
    await turnout?.stop();
    await queues?.deleteQueues(queuesMade);
    await queues?.close();
    await db?.end();
    await database?.drop();
  });

  /** Runs an example under a task type of the test's own (the walkthrough's name would be shared by every run). */
  async function runExample(script: ExampleScript, taskType: string, env: Record<string, string> = {}) {
    const example = startExample(script, { AMQP_URL: broker, EXAMPLE_TASK_TYPE: taskType, ...env });
    processes.push(example);
    // Room for one stalled start attempt (the SDK's startTimeoutMs, 10 s) and its retry.
    const [, workerId] = await example.waitForOutput(/worker (\S+) started \d+ worker/, 30_000);
    const [, queueName] = await example.waitForOutput(new RegExp(`${taskType} polls (\\S+) `));
    queuesMade.add(queueName);
    return { example, workerId, queueName };
  }

  const ended = (workflowId: string) =>
    waitFor(`workflow ${workflowId} to end`, async () => {
      const workflow = await api.workflow(workflowId);
      return workflow.status === 'RUNNING' ? undefined : workflow;
    });

  it("walks through Conductor's hello_world story: production takes plain runs, Doug's worker the doug runs", async () => {
    const helloWorld = uniqueName('hello_world');
    await api.registerWorkflow('hello_workflow', [helloWorld]);
    const production = await runExample('example:hello-world', helloWorld);
    const doug = await runExample('example:doug', helloWorld);
    expect(production.example.output()).toContain(`${helloWorld} polls ${helloWorld} (no domain; rule NOT_CONFIGURED: no setting; concurrency 1)`);
    expect(doug.example.output()).toContain(
      `${helloWorld} polls ${helloWorld}@doug (domain doug; rule RUNNER_TASK_TO_DOMAIN: the runner's taskToDomain["${helloWorld}"]; concurrency 1)`,
    );

    const plain = await ended(await api.startWorkflow('hello_workflow'));
    const dougs = await ended(await api.startWorkflow('hello_workflow', { [helloWorld]: 'doug' }));
    expect([plain.status, plain.output, plain.tasks[0].queueName, plain.tasks[0].workerId]).toEqual([
      'COMPLETED',
      { hw_response: 'Hello World!' },
      helloWorld,
      production.workerId,
    ]);
    expect([dougs.status, dougs.output, dougs.tasks[0].queueName, dougs.tasks[0].workerId]).toEqual([
      'COMPLETED',
      { hw_response: "Hello World from Doug's computer!" },
      `${helloWorld}@doug`,
      doug.workerId,
    ]);

    // Ctrl-C / SIGTERM: each says it is gone and exits cleanly.
    production.example.signal('SIGTERM');
    doug.example.signal('SIGINT');
    expect(await production.example.exited).toEqual({ code: 0, signal: null });
    expect(await doug.example.exited).toEqual({ code: 0, signal: null });
    await waitFor('both workers to be marked gone', async () => {
      const rows = [...(await presenceOf(db, production.workerId)), ...(await presenceOf(db, doug.workerId))];
      return rows.length === 2 && rows.every((row) => row.gone);
    });
  });

  it("the environment outranks the runner's map: Doug's worker moves to another domain without a code change", async () => {
    const helloWorld = uniqueName('hello_world');
    const workflowName = uniqueName('hello_workflow');
    await api.registerWorkflow(workflowName, [helloWorld]);
    const doug = await runExample('example:doug', helloWorld, { [`CONDUCTOR_WORKER_${helloWorld.toUpperCase()}_DOMAIN`]: 'doug_v2' });
    expect(doug.queueName).toBe(`${helloWorld}@doug_v2`);
    expect(doug.example.output()).toContain(`rule TASK_TYPE_SETTING: env CONDUCTOR_WORKER_${helloWorld.toUpperCase()}_DOMAIN`);

    const workflow = await ended(await api.startWorkflow(workflowName, { [helloWorld]: 'doug_v2' }));
    expect([workflow.status, workflow.output]).toEqual(['COMPLETED', { hw_response: "Hello World from Doug's computer!" }]);
  });

  it('refuses a domain list at start, says why, and exits with an error', async () => {
    const helloWorld = uniqueName('hello_world');
    const example = startExample('example:doug', { AMQP_URL: broker, EXAMPLE_TASK_TYPE: helloWorld, CONDUCTOR_WORKER_ALL_DOMAIN: 'doug,NO_DOMAIN' });
    processes.push(example);
    expect(await example.exited).toEqual({ code: 1, signal: null });
    expect(example.output()).toContain(
      `could not start: worker for ${helloWorld}: domain "doug,NO_DOMAIN" (from env CONDUCTOR_WORKER_ALL_DOMAIN) is a list: a worker polls exactly one domain`,
    );
  });

  it('on SIGTERM finishes what it can by the deadline, returns the rest to the queue, says it is gone, and exits', async () => {
    const slowReport = uniqueName('slow_report');
    const workflowName = uniqueName('reports');
    const definition = await api.request('POST', '/api/metadata/workflow', {
      name: workflowName,
      version: 1,
      tasks: [{ name: slowReport, taskReferenceName: 'report', type: 'SIMPLE', inputParameters: { durationMs: '${workflow.input.durationMs}' } }],
    });
    expect(definition.status).toBe(200);
    const { example, workerId } = await runExample('example:slow-report', slowReport, { SHUTDOWN_DEADLINE_MS: '3000' });

    // One report finishes inside the deadline, the other never would.
    const quick = await api.startWorkflow(workflowName, undefined, { durationMs: 1_500 });
    const endless = await api.startWorkflow(workflowName, undefined, { durationMs: 600_000 });
    await example.waitForOutput(/rendering the report[^\n]*\n[^\n]*rendering the report/);
    example.signal('SIGTERM');

    expect(await example.exited).toEqual({ code: 0, signal: null });
    expect(example.output()).toContain('stopping: finishing 2 held task(s), for up to 3000 ms');
    expect(example.output()).toContain('stopped: 1 finished, 1 returned to the queue; exiting');
    const quickRun = await ended(quick);
    expect([quickRun.status, quickRun.output.report, quickRun.tasks[0].workerId]).toEqual(['COMPLETED', 'ready', workerId]);
    await waitFor('the stopped worker to be marked gone', async () => {
      const rows = await presenceOf(db, workerId);
      return rows.length === 1 && rows[0].gone;
    });

    // The unfinished task waits in the queue for another worker: not failed, not retried. It is still IN_PROGRESS
    // as its first worker reported on taking it, until another worker takes it over or its response timeout passes.
    expect((await api.workflow(endless)).tasks.map((task: any) => [task.status, task.workerId])).toEqual([['IN_PROGRESS', workerId]]);
    const redeliveries: boolean[] = [];
    const replacement = new TaskWorker({
      amqpUrl: broker,
      taskType: slowReport,
      execute: (task: Task<{ durationMs: number }>, context) => {
        redeliveries.push(context.redelivered);
        return { report: `rendered by the replacement (asked for ${task.inputData.durationMs} ms)` };
      },
    });
    workers.push(replacement);
    await replacement.start();
    const endlessRun = await ended(endless);
    expect([endlessRun.status, endlessRun.tasks.length, endlessRun.tasks[0].workerId]).toEqual(['COMPLETED', 1, replacement.workerId]);
    expect(endlessRun.output.report).toBe('rendered by the replacement (asked for 600000 ms)');
    expect(redeliveries).toEqual([true]);
  });
});
