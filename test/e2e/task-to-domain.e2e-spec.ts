/**
 * The stories of Conductor's "Task to Domain" documentation, end to end:
 * api and router as real processes, real workers, real Postgres and RabbitMQ.
 */
import { Client } from 'pg';
import { TaskWorker } from '@turnout/worker';
import { type TestDatabase, amqpUrl, createTestDatabase, uniqueName } from '../support/services';
import { TurnoutClient } from '../support/turnout-client';
import { type RunningTurnout, startTurnout } from '../support/turnout-process';
import { waitFor } from '../support/wait-for';

const ACTIVE_WORKER_TIMEOUT_MS = 1_500;

describe('Task to Domain, end to end', () => {
  let database: TestDatabase;
  let broker: string;
  let turnout: RunningTurnout;
  let api: TurnoutClient;
  let db: Client;
  const workers: TaskWorker<any, any>[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('e2e_routing');
    broker = await amqpUrl();
    turnout = await startTurnout({
      DATABASE_URL: database.url,
      AMQP_URL: broker,
      ACTIVE_WORKER_TIMEOUT_MS: String(ACTIVE_WORKER_TIMEOUT_MS),
      PRESENCE_REFRESH_MS: '100',
      RELAY_POLL_MS: '200',
    });
    api = new TurnoutClient(turnout.baseUrl);
    db = new Client({ connectionString: database.url });
    await db.connect();
  });

  afterAll(async () => {
    await Promise.allSettled(workers.map((worker) => worker.stop()));
    await db?.end();
    await turnout?.stop();
    await database?.drop();
  });

  async function startWorker(taskType: string, domain: string | null, output: (input: any) => Record<string, unknown>) {
    const worker = new TaskWorker({ amqpUrl: broker, taskType, domain, heartbeatIntervalMs: 200, execute: (task) => output(task.inputData) });
    await worker.start();
    workers.push(worker);
    // Routing reads presence; wait until the router has recorded this worker.
    await waitFor(`presence of ${taskType}@${domain}`, async () => {
      const rows = await db.query(
        'select 1 from turnout_worker_presence where task_type = $1 and domain = $2 and worker_id = $3 and not gone',
        [taskType, domain ?? '', worker.workerId],
      );
      return rows.rowCount === 1;
    });
    return worker;
  }

  async function domainInactive(taskType: string, domain: string) {
    await waitFor(`${taskType}@${domain} to go inactive`, async () => {
      const rows = await db.query(
        `select 1 from turnout_worker_presence where task_type = $1 and domain = $2 and not gone
         and last_seen_at > now() - make_interval(secs => $3::double precision / 1000)`,
        [taskType, domain, ACTIVE_WORKER_TIMEOUT_MS],
      );
      return rows.rowCount === 0;
    });
  }

  const finished = (workflowId: string) =>
    waitFor(`workflow ${workflowId} to complete`, async () => {
      const workflow = await api.workflow(workflowId);
      if (workflow.status === 'FAILED') throw new Error(`workflow failed: ${workflow.reasonForIncompletion}`);
      return workflow.status === 'COMPLETED' ? workflow : undefined;
    });

  describe('the hello_world story', () => {
    const helloWorld = uniqueName('hello_world');
    const workflowName = uniqueName('hello_workflow');
    let doug: TaskWorker;

    beforeAll(async () => {
      await api.registerWorkflow(workflowName, [helloWorld]);
      await startWorker(helloWorld, null, () => ({ hw_response: 'Hello World!' }));
      doug = await startWorker(helloWorld, 'doug', () => ({ hw_response: "Hello World from Doug's computer!" }));
    });

    it('runs on the production workers when started with no map', async () => {
      const workflow = await finished(await api.startWorkflow(workflowName));
      expect(workflow.output).toEqual({ hw_response: 'Hello World!' });
      expect(workflow.tasks[0]).toMatchObject({ domain: null, queueName: helloWorld, status: 'COMPLETED' });
      expect(workflow.tasks[0].routing.rule).toBe('NO_RULE');
    });

    it("runs on Doug's computer when started with {hello_world: doug}", async () => {
      const workflowId = await api.startWorkflow(workflowName, { [helloWorld]: 'doug' });
      const workflow = await finished(workflowId);
      expect(workflow.output).toEqual({ hw_response: "Hello World from Doug's computer!" });
      expect(workflow.taskToDomain).toEqual({ [helloWorld]: 'doug' });
      expect(workflow.tasks[0]).toMatchObject({ domain: 'doug', queueName: `${helloWorld}@doug` });
      expect(workflow.tasks[0].routing).toMatchObject({ rule: 'FIRST_ACTIVE', ruleKey: helloWorld, ruleValue: 'doug' });
    });

    it('with doug gone: "doug,NO_DOMAIN" runs on production, "doug" waits for a doug worker', async () => {
      await doug.stop();
      await domainInactive(helloWorld, 'doug');

      const fallback = await finished(await api.startWorkflow(workflowName, { [helloWorld]: 'doug,NO_DOMAIN' }));
      expect(fallback.output).toEqual({ hw_response: 'Hello World!' });
      expect(fallback.tasks[0]).toMatchObject({ domain: null, queueName: helloWorld });
      expect(fallback.tasks[0].routing.rule).toBe('NO_DOMAIN_FALLBACK');
      expect(fallback.tasks[0].routing.candidates).toEqual([expect.objectContaining({ domain: 'doug', active: false })]);

      const waiting = await api.startWorkflow(workflowName, { [helloWorld]: 'doug' });
      const scheduled = await waitFor('the task to be scheduled in the doug queue', async () => {
        const workflow = await api.workflow(waiting);
        return workflow.tasks.length === 1 ? workflow : undefined;
      });
      expect(scheduled.status).toBe('RUNNING');
      expect(scheduled.tasks[0]).toMatchObject({ status: 'SCHEDULED', domain: 'doug', queueName: `${helloWorld}@doug` });
      expect(scheduled.tasks[0].routing.rule).toBe('LAST_INACTIVE');

      await startWorker(helloWorld, 'doug', () => ({ hw_response: "Hello World from Doug's computer!" }));
      const completed = await finished(waiting);
      expect(completed.output).toEqual({ hw_response: "Hello World from Doug's computer!" });
    });
  });

  it("routes Conductor's documented fallback example", async () => {
    const [taskA, taskB, taskC, taskD] = ['task_a', 'task_b', 'task_c', 'task_d'].map(uniqueName);
    const workflowName = uniqueName('fallback_workflow');
    await api.registerWorkflow(workflowName, [taskA, taskB, taskC, taskD]);
    for (const taskType of [taskA, taskB, taskD]) {
      await startWorker(taskType, 'mydomain', () => ({ ran: `${taskType}@mydomain` }));
    }
    for (const taskType of [taskA, taskB]) await startWorker(taskType, null, () => ({ ran: taskType }));
    await startWorker(taskC, 'someInactiveDomain2', () => ({ ran: `${taskC}@someInactiveDomain2` }));
    // The task-c worker only exists so the run can finish; routing must still see the domain inactive.
    const [cWorker] = workers.slice(-1);
    await cWorker.stop();
    await domainInactive(taskC, 'someInactiveDomain2');
    const replacement = new TaskWorker({ amqpUrl: broker, taskType: taskC, domain: 'someInactiveDomain2', heartbeatIntervalMs: 60_000, execute: () => ({}) });

    const workflowId = await api.startWorkflow(workflowName, {
      '*': 'mydomain',
      [taskA]: 'NO_DOMAIN',
      [taskB]: 'abc, NO_DOMAIN',
      [taskC]: 'someInactiveDomain1, someInactiveDomain2',
    });
    const atTaskC = await waitFor('task-c to be scheduled', async () => {
      const workflow = await api.workflow(workflowId);
      return workflow.tasks.length === 3 ? workflow : undefined;
    });
    expect(atTaskC.tasks.map((task: any) => task.queueName)).toEqual([taskA, taskB, `${taskC}@someInactiveDomain2`]);
    expect(atTaskC.tasks.map((task: any) => task.routing.rule)).toEqual(['NO_DOMAIN_FALLBACK', 'NO_DOMAIN_FALLBACK', 'LAST_INACTIVE']);

    await replacement.start();
    workers.push(replacement);
    const workflow = await finished(workflowId);
    expect(workflow.tasks.map((task: any) => [task.domain, task.queueName])).toEqual([
      [null, taskA],
      [null, taskB],
      ['someInactiveDomain2', `${taskC}@someInactiveDomain2`],
      ['mydomain', `${taskD}@mydomain`],
    ]);
    expect(workflow.tasks[3].routing).toMatchObject({ rule: 'FIRST_ACTIVE', ruleKey: '*' });
  });

  it('shares one domain queue between two workers', async () => {
    const taskType = uniqueName('send_email');
    const workflowName = uniqueName('email_workflow');
    await api.registerWorkflow(workflowName, [taskType]);
    const first = await startWorker(taskType, 'tenant_x', () => ({ sent: true }));
    const second = await startWorker(taskType, 'tenant_x', () => ({ sent: true }));

    const ids = await Promise.all(Array.from({ length: 20 }, () => api.startWorkflow(workflowName, { [taskType]: 'tenant_x' })));
    const runs = await Promise.all(ids.map(finished));

    const workerIds = new Set(runs.map((run) => run.tasks[0].workerId));
    expect(workerIds).toEqual(new Set([first.workerId, second.workerId]));
    // A worker counts a task once its ack is sent, which may come just after the run completed.
    await waitFor('both workers to count their tasks', () => first.tasksCompleted + second.tasksCompleted === 20);
  });

  it('runs a sequence of tasks, passing outputs on through expressions', async () => {
    const [fetchUser, greet] = ['fetch_user', 'greet'].map(uniqueName);
    const workflowName = uniqueName('pipeline');
    const response = await api.request('POST', '/api/metadata/workflow', {
      name: workflowName,
      version: 1,
      tasks: [
        { name: fetchUser, taskReferenceName: 'user', type: 'SIMPLE', inputParameters: { id: '${workflow.input.userId}' } },
        { name: greet, taskReferenceName: 'greeting', type: 'SIMPLE', inputParameters: { name: '${user.output.name}' } },
      ],
      outputParameters: { message: '${greeting.output.text}', userId: '${workflow.input.userId}' },
    });
    expect(response.status).toBe(200);
    await startWorker(fetchUser, null, (input) => ({ name: `user-${input.id}` }));
    await startWorker(greet, null, (input) => ({ text: `Hello ${input.name}` }));

    const workflow = await finished(await api.startWorkflow(workflowName, undefined, { userId: 42 }));
    expect(workflow.output).toEqual({ message: 'Hello user-42', userId: 42 });
    expect(workflow.tasks[1].inputData).toEqual({ name: 'user-42' });
  });

  describe('bad input is refused at the edge, and nothing is appended', () => {
    const countEvents = async () => Number((await db.query('select count(*) from turnout_events')).rows[0].count);

    it.each([
      [{ hello: 'doug,NO_DOMAIN,other' }, 'taskToDomain.hello', 'NO_DOMAIN may only be the last'],
      [{ hello: '' }, 'taskToDomain.hello', 'must name at least one domain'],
      [{ hello: 'a@b' }, 'taskToDomain.hello', 'must not contain "@"'],
      [{ hello: 'x'.repeat(300) }, 'taskToDomain.hello', 'RabbitMQ allows 255'],
    ])('taskToDomain %j → 400 naming %s', async (taskToDomain, field, reason) => {
      const workflowName = uniqueName('refused');
      await api.registerWorkflow(workflowName, ['hello']);
      const before = await countEvents();
      const response = await api.request('POST', '/api/workflow', { name: workflowName, taskToDomain });
      expect(response.status).toBe(400);
      expect(response.body.validationErrors).toEqual([expect.objectContaining({ field, reason: expect.stringContaining(reason) })]);
      expect(await countEvents()).toBe(before);
    });

    it('an unknown workflow name is a 404 that names it', async () => {
      const name = uniqueName('missing');
      const response = await api.request('POST', '/api/workflow', { name });
      expect(response.status).toBe(404);
      expect(response.body.message).toContain(name);
    });

    it('an invalid definition is a 400 naming the field', async () => {
      const response = await api.request('POST', '/api/metadata/workflow', {
        name: uniqueName('bad_def'),
        tasks: [{ name: 'a', taskReferenceName: 'same' }, { name: 'b', taskReferenceName: 'same' }],
      });
      expect(response.status).toBe(400);
      expect(response.body.validationErrors).toEqual([
        expect.objectContaining({ field: 'tasks[1].taskReferenceName', reason: expect.stringContaining('earlier task') }),
      ]);
    });

    it('answers the workflow id as text/plain', async () => {
      const workflowName = uniqueName('plain');
      await api.registerWorkflow(workflowName, [uniqueName('t')]);
      const response = await api.request('POST', '/api/workflow', { name: workflowName });
      expect(response.status).toBe(200);
      expect(response.contentType).toMatch(/^text\/plain/);
      expect(response.body).toMatch(/^[0-9a-f-]{36}$/);
    });
  });
});
