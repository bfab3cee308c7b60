/**
 * OpenTelemetry traces (OTEL_EXPORTER_OTLP_ENDPOINT) on the real servers: the
 * api and the router, run from dist/, and SDK workers (the examples, as
 * processes) export to a receiver of the test's own; the spans of one run form
 * one trace across api, broker, workers and router, the router's scheduling of
 * the second task included.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SPAN_ATTRIBUTES, SPAN_NAMES } from '@turnout/tracing';
import { type BrokerQueues, connectBrokerQueues } from '../support/broker-queues';
import { type ExampleProcess, buildExamples, startExample } from '../support/example-process';
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from '../support/otlp-receiver';
import { type TestDatabase, amqpUrl, createTestDatabase, uniqueName } from '../support/services';
import { TurnoutClient } from '../support/turnout-client';
import { type RunningTurnout, startTurnout } from '../support/turnout-process';
import { waitFor } from '../support/wait-for';

describe('traces of a run, exported over OTLP', () => {
  let database: TestDatabase;
  let receiver: OtlpReceiver;
  let turnout: RunningTurnout;
  const workers: ExampleProcess[] = [];
  let queues: BrokerQueues;
  let api: TurnoutClient;
  const first = uniqueName('traced_first');
  const second = uniqueName('traced_second');
  const workflowName = uniqueName('traced_workflow');

  beforeAll(async () => {
    await buildExamples();
    database = await createTestDatabase('e2e_traces');
    receiver = await startOtlpReceiver();
    const broker = await amqpUrl();
    turnout = await startTurnout({
      DATABASE_URL: database.url,
      AMQP_URL: broker,
      PRESENCE_REFRESH_MS: '100',
      RELAY_POLL_MS: '200',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    });
    api = new TurnoutClient(turnout.baseUrl);
    queues = await connectBrokerQueues(broker);
    // Doug's worker takes the first task in domain doug, the production worker the second (no domain).
    for (const [script, taskType] of [['example:doug', first], ['example:hello-world', second]] as const) {
      const worker = startExample(script, { AMQP_URL: broker, EXAMPLE_TASK_TYPE: taskType, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint });
      workers.push(worker);
      await worker.waitForOutput(/started 1 worker/);
    }
    // Builds the examples, then starts four processes.
  }, 120_000);

  afterAll(async () => {
    await Promise.allSettled(workers.map((worker) => worker.stop()));
    await turnout?.stop();
    await queues?.deleteQueues([`${first}@doug`, second]);
    await queues?.close();
    await receiver?.close();
    await database?.drop();
  });

  it("joins the start, each scheduling, the relay's publish, the worker's execution and the router's record in one trace", async () => {
    await api.registerWorkflow(workflowName, [first, second]);
    // Doug's domain is live before the start, so that its rule is FIRST_ACTIVE.
    await waitFor(`a worker of ${first}@doug in the poll data`, async () => {
      const { body } = await api.request('GET', `/api/tasks/queue/polldata?taskType=${first}`);
      return Array.isArray(body) && body.some((poll: { domain?: string }) => poll.domain === 'doug');
    });
    const workflowId = await api.startWorkflow(workflowName, { [first]: 'doug' });
    await waitFor(`workflow ${workflowId} to complete`, async () => (await api.workflow(workflowId)).status === 'COMPLETED');

    // Each process exports its spans in batches (every 5 s): wait for the last one, the second task's record.
    const ofRun = (): ReceivedSpan[] => {
      const start = receiver.spans().find((span) => span.name === SPAN_NAMES.start && span.attributes[SPAN_ATTRIBUTES.workflowId] === workflowId);
      return start === undefined ? [] : receiver.spans().filter((span) => span.traceId === start.traceId);
    };
    const spans = await waitFor(
      `the spans of workflow ${workflowId}`,
      () => {
        const found = ofRun();
        return found.filter((span) => span.name === SPAN_NAMES.record).length >= 2 && found.filter((span) => span.name === SPAN_NAMES.execute).length >= 2 ? found : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    ).catch((error: Error) => {
      const received = receiver.spans().map(({ service, name, traceId, spanId, parentSpanId }) => `${service} ${name} ${traceId} ${spanId} <- ${parentSpanId}`);
      throw new Error(`${error.message}; received:\n${received.join('\n')}`);
    });

    const byId = new Map(spans.map((span) => [span.spanId, span]));
    const parentOf = (span: ReceivedSpan): ReceivedSpan | undefined => byId.get(span.parentSpanId);
    const scheduling = (taskType: string): ReceivedSpan => {
      const found = spans.find((span) => span.name === SPAN_NAMES.schedule && span.attributes[SPAN_ATTRIBUTES.taskType] === taskType);
      if (found === undefined) throw new Error(`no scheduling span of ${taskType} in ${JSON.stringify(spans, null, 2)}`);
      return found;
    };
    /** From a task's scheduling down: the path its trace context takes, as span names and the processes that made them. */
    const pathFrom = (schedule: ReceivedSpan): string[] => {
      const path: string[] = [];
      let current: ReceivedSpan | undefined = schedule;
      while (current !== undefined) {
        path.push(`${current.service} ${current.name}`);
        const parentId: string = current.spanId;
        // Of a task's results only one (the fast handler's) is recorded: no IN_PROGRESS before it.
        current = spans.find((span) => span.parentSpanId === parentId && span.name !== SPAN_NAMES.schedule);
      }
      return path;
    };

    const [start] = spans.filter((span) => span.name === SPAN_NAMES.start);
    expect(start).toMatchObject({ parentSpanId: '', service: 'turnout-api' });
    expect(new Set(spans.map((span) => span.traceId)).size).toBe(1);

    // The first task is scheduled by the api as the run starts; its domain, queue and rule on the span.
    const firstScheduling = scheduling(first);
    expect(parentOf(firstScheduling)).toBe(start);
    expect(firstScheduling).toMatchObject({ service: 'turnout-api' });
    expect(firstScheduling.attributes).toMatchObject({
      [SPAN_ATTRIBUTES.workflowId]: workflowId,
      [SPAN_ATTRIBUTES.domain]: 'doug',
      [SPAN_ATTRIBUTES.queue]: `${first}@doug`,
      [SPAN_ATTRIBUTES.routingRule]: 'FIRST_ACTIVE',
    });
    expect(pathFrom(firstScheduling)).toEqual([
      `turnout-api ${SPAN_NAMES.schedule}`,
      `turnout-router ${SPAN_NAMES.publish}`,
      `turnout-worker ${SPAN_NAMES.execute}`,
      `turnout-router ${SPAN_NAMES.record}`,
    ]);

    // The second is scheduled by the router, beneath the record of the first task's result.
    const secondScheduling = scheduling(second);
    expect(parentOf(secondScheduling)).toMatchObject({ name: SPAN_NAMES.record, attributes: expect.objectContaining({ [SPAN_ATTRIBUTES.taskId]: firstScheduling.attributes[SPAN_ATTRIBUTES.taskId] }) });
    expect(secondScheduling.attributes).toMatchObject({ [SPAN_ATTRIBUTES.queue]: second, [SPAN_ATTRIBUTES.routingRule]: 'NO_RULE' });
    expect(secondScheduling).toMatchObject({ service: 'turnout-router' });
    expect(pathFrom(secondScheduling)).toEqual([
      `turnout-router ${SPAN_NAMES.schedule}`,
      `turnout-router ${SPAN_NAMES.publish}`,
      `turnout-worker ${SPAN_NAMES.execute}`,
      `turnout-router ${SPAN_NAMES.record}`,
    ]);
  });

  it('loads nothing of OpenTelemetry in a process without an endpoint, and its SDK in one with', async () => {
    // The built library, in a plain node process, as the api, the router and the SDK's runner start it.
    const loaded = async (endpoint: string | null): Promise<string[]> => {
      const script = `
        const { startTracing } = require('@turnout/tracing');
        const tracing = startTracing(${JSON.stringify(endpoint)}, 'turnout-test');
        const loaded = Object.keys(require.cache).filter((file) => file.includes('@opentelemetry')).map((file) => file.split('@opentelemetry/')[1].split('/')[0]);
        console.log(JSON.stringify({ on: tracing !== undefined, loaded: [...new Set(loaded)].sort() }));
        tracing?.shutdown();`;
      const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { cwd: join(__dirname, '..', '..', 'dist') });
      const { on, loaded: modules } = JSON.parse(stdout) as { on: boolean; loaded: string[] };
      expect(on).toBe(endpoint !== null);
      return modules;
    };
    expect(await loaded(null)).toEqual([]);
    expect(await loaded(receiver.endpoint)).toEqual(expect.arrayContaining(['api', 'exporter-trace-otlp-http', 'sdk-trace-base']));
  });
});
