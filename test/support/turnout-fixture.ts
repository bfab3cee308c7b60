/**
 * One running Turnout (api and router as real processes, started as `npm start`
 * does) for the tests of a describe block: a database and a broker vhost of its
 * own, a SQL client to read its log and presence, and the workers the tests
 * start, all stopped and removed afterwards by hooks it registers itself.
 */
import { Pool } from 'pg';
import { type WorkflowEvent, workflowStreamId } from '@turnout/domain';
import { TaskWorker, type TaskWorkerOptions } from '@turnout/worker';
import { type BrokerQueues, connectBrokerQueues } from './broker-queues';
import { type TestDatabase, amqpUrl, createTestDatabase } from './services';
import { TurnoutClient } from './turnout-client';
import { type RunningTurnout, startTurnout } from './turnout-process';
import { waitFor } from './wait-for';

export interface TurnoutFixture {
  readonly api: TurnoutClient;
  /** The test database, for reading the event log and the presence projection. */
  readonly db: Pool;
  /** The URL of the test database, for a process a test runs on it. */
  readonly databaseUrl: string;
  /** The AMQP URL of this suite's vhost. */
  readonly broker: string;
  readonly queues: BrokerQueues;
  /** What api and router printed so far. */
  output(): string;
  /**
   * Starts a worker of the SDK on this suite's broker, stopped after the suite,
   * and answers once the router's presence has it (routing reads presence).
   */
  startWorker<I, O extends object | void>(options: Omit<TaskWorkerOptions<I, O>, 'amqpUrl'>): Promise<TaskWorker<I, O>>;
  /** Waits until the presence projection has seen this worker alive. */
  workerSeen(taskType: string, domain: string | null, workerId: string): Promise<void>;
  /** Something the suite started that must end with it (a child process, a proxy). */
  stopAfterwards(stop: () => Promise<unknown>): void;
  /** The run's events, in stream order. */
  eventsOf(workflowId: string): Promise<WorkflowEvent[]>;
  /** Waits until the run is neither RUNNING nor PAUSED and answers its execution with tasks. */
  ended(workflowId: string, timeoutMs?: number): Promise<any>;
  /** Registers task definitions (POST /api/metadata/taskdefs); a refusal fails the test with its body. */
  registerTaskDefs(taskDefs: Array<Record<string, unknown>>): Promise<void>;
  /** Registers a workflow definition of SIMPLE tasks, one per task type, with the definition's other fields. */
  registerWorkflow(name: string, taskTypes: string[], fields?: Record<string, unknown>): Promise<void>;
}

/** Defaults that keep presence and the relay quick, as the other end-to-end suites run them. */
const QUICK_TURNOUT_ENV = { PRESENCE_REFRESH_MS: '100', RELAY_POLL_MS: '200' };

export function turnoutForSuite(label: string, env: Record<string, string> = {}): TurnoutFixture {
  let database: TestDatabase | undefined;
  let broker: string | undefined;
  let turnout: RunningTurnout | undefined;
  let api: TurnoutClient | undefined;
  let db: Pool | undefined;
  let queues: BrokerQueues | undefined;
  const cleanups: Array<() => Promise<unknown>> = [];
  const queuesMade = new Set<string>();

  beforeAll(async () => {
    database = await createTestDatabase(label);
    broker = await amqpUrl();
    turnout = await startTurnout({ DATABASE_URL: database.url, AMQP_URL: broker, ...QUICK_TURNOUT_ENV, ...env });
    api = new TurnoutClient(turnout.baseUrl);
    // A pool: a test may read presence or the log for several runs at once.
    db = new Pool({ connectionString: database.url, max: 4 });
    queues = await connectBrokerQueues(broker);
  });

  afterAll(async () => {
    await Promise.allSettled(cleanups.map((stop) => stop()));
    await turnout?.stop();
    await queues?.deleteQueues(queuesMade);
    await queues?.close();
    await db?.end();
    await database?.drop();
  });

  const absent = () => new Error(`the ${label} Turnout is there only while its tests run`);
  const present = <T>(value: T | undefined): T => {
    if (value === undefined) throw absent();
    return value;
  };

  const fixture: TurnoutFixture = {
    get api() {
      return present(api);
    },
    get db() {
      return present(db);
    },
    get databaseUrl() {
      return present(database).url;
    },
    get broker() {
      return present(broker);
    },
    get queues() {
      return present(queues);
    },
    output: () => present(turnout).output(),

    async startWorker(options) {
      // Tasks a test leaves hanging go back to the queue at once when the suite ends, not after the default deadline.
      const worker = new TaskWorker({ shutdownDeadlineMs: 0, ...options, amqpUrl: fixture.broker });
      cleanups.push(() => worker.stop());
      queuesMade.add(worker.queueName);
      await worker.start();
      await fixture.workerSeen(worker.taskType, worker.domain, worker.workerId);
      return worker;
    },

    async workerSeen(taskType, domain, workerId) {
      await waitFor(`presence of ${workerId} for ${taskType}@${domain ?? '(no domain)'}`, async () => {
        const rows = await fixture.db.query(
          'select 1 from turnout_worker_presence where task_type = $1 and domain = $2 and worker_id = $3 and not gone',
          // The projection stores "no domain" as ''.
          [taskType, domain ?? '', workerId],
        );
        return rows.rowCount === 1;
      });
    },

    stopAfterwards(stop) {
      cleanups.push(stop);
    },

    async eventsOf(workflowId) {
      const rows = await fixture.db.query<{ type: WorkflowEvent['type']; data: any }>(
        'select type, data from turnout_events where stream_id = $1 order by stream_version',
        [workflowStreamId(workflowId)],
      );
      return rows.rows.map((row) => ({ type: row.type, data: row.data }) as WorkflowEvent);
    },

    ended: (workflowId, timeoutMs) =>
      waitFor(
        `workflow ${workflowId} to end`,
        async () => {
          const workflow = await fixture.api.workflow(workflowId);
          return workflow.status === 'RUNNING' || workflow.status === 'PAUSED' ? undefined : workflow;
        },
        { timeoutMs },
      ),

    async registerTaskDefs(taskDefs) {
      const response = await fixture.api.request('POST', '/api/metadata/taskdefs', taskDefs);
      if (response.status !== 200) throw new Error(`registering task definitions failed: ${response.status} ${JSON.stringify(response.body)}`);
    },

    async registerWorkflow(name, taskTypes, fields = {}) {
      const response = await fixture.api.request('POST', '/api/metadata/workflow', {
        name,
        version: 1,
        tasks: taskTypes.map((taskType) => ({ name: taskType, taskReferenceName: `${taskType}_ref`, type: 'SIMPLE', inputParameters: {} })),
        ...fields,
      });
      if (response.status !== 200) throw new Error(`registering ${name} failed: ${response.status} ${JSON.stringify(response.body)}`);
    },
  };
  return fixture;
}
