/**
 * The web UI (apps/api/src/ui) in a real browser: headless Chromium driven by
 * playwright-core, against api and router as real processes, a real worker,
 * real Postgres and RabbitMQ. `npm test` installs Chromium where it is missing
 * (scripts/test-prerequisites.mjs).
 *
 * UI_SCREENSHOT_DIR=/tmp/ui saves a screenshot of each view there.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, type Page, chromium } from 'playwright-core';
import { TaskWorker } from '@turnout/worker';
import { type TestDatabase, amqpUrl, createTestDatabase, uniqueName } from '../support/services';
import { TurnoutClient } from '../support/turnout-client';
import { type RunningTurnout, startTurnout } from '../support/turnout-process';
import { waitFor } from '../support/wait-for';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const UI_TIMEOUT_MS = 15_000;

describe('web UI, in headless Chromium', () => {
  const taskType = uniqueName('ui_hello');
  const workflowName = uniqueName('ui_workflow');
  let database: TestDatabase;
  let broker: string;
  let turnout: RunningTurnout;
  let api: TurnoutClient;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let pageErrors: string[];
  const workers: TaskWorker<any, any>[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`Chromium is not at ${CHROMIUM}: run npm test (it installs it) or apt-get install -y chromium, or set CHROMIUM_PATH`);
    }
    database = await createTestDatabase('e2e_ui');
    broker = await amqpUrl();
    // Settled, not all: when one fails the other is still kept, so that afterAll closes it (an open browser keeps Jest from exiting).
    const [started, launched] = await Promise.allSettled([
      startTurnout({ DATABASE_URL: database.url, AMQP_URL: broker, PRESENCE_REFRESH_MS: '100', RELAY_POLL_MS: '200' }),
      chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      }),
    ]);
    if (started.status === 'fulfilled') turnout = started.value;
    if (launched.status === 'fulfilled') browser = launched.value;
    if (started.status === 'rejected') throw started.reason;
    if (launched.status === 'rejected') throw launched.reason;
    api = new TurnoutClient(turnout.baseUrl);
    const registered = await api.request('POST', '/api/metadata/workflow', {
      name: workflowName,
      version: 1,
      tasks: [{ name: taskType, taskReferenceName: 'greet', type: 'SIMPLE', inputParameters: { note: '${workflow.input.note}' } }],
      outputParameters: { greeting: '${greet.output.greeting}' },
    });
    expect(registered.status).toBe(200);
  });

  afterAll(async () => {
    await Promise.allSettled(workers.map((worker) => worker.stop()));
    await browser?.close();
    await turnout?.stop();
    await database?.drop();
  });

  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    page = await context.newPage();
    pageErrors = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.setDefaultTimeout(UI_TIMEOUT_MS);
  });

  afterEach(async () => {
    await context?.close();
  });

  async function screenshot(name: string): Promise<void> {
    const directory = process.env.UI_SCREENSHOT_DIR;
    if (directory === undefined) return;
    mkdirSync(directory, { recursive: true });
    await page.screenshot({ path: join(directory, `${name}.png`), fullPage: true });
  }

  it("shows Doug's worker on Task Queues, starts a run with {type: doug} from the form and shows the task in domain doug", async () => {
    await page.goto(`${turnout.baseUrl}/ui/`);
    await expect(page.locator('h1').textContent()).resolves.toBe('Task Queues');

    // Started after the page opened: the view must pick the worker up by refreshing itself.
    const doug = new TaskWorker({
      amqpUrl: broker,
      taskType,
      domain: 'doug',
      heartbeatIntervalMs: 200,
      execute: (task) => ({ greeting: "Hello World from Doug's computer!", note: (task.inputData as { note?: unknown }).note }),
    });
    await doug.start();
    workers.push(doug);

    const dougQueue = page.locator(`tr[data-queue="${taskType}@doug"]`);
    await dougQueue.locator(`li[data-worker-id="${doug.workerId}"][data-active="true"]`).waitFor();
    await expect(dougQueue.locator('td').first().textContent()).resolves.toBe(`${taskType}@doug`);
    await expect(dougQueue.locator(`li[data-worker-id="${doug.workerId}"]`).textContent()).resolves.toMatch(/^active .* last heartbeat \d+ s ago$/);
    await screenshot('1-task-queues');

    await page.getByRole('link', { name: 'Run workflow' }).click();
    await page.locator('#definition').selectOption({ label: `${workflowName} · v1` });
    // Markup in the input must come back as text on the execution page.
    await page.locator('#input').fill(JSON.stringify({ note: '<b id="injected">not bold</b>' }));
    await page.locator('#task-to-domain').fill(JSON.stringify({ [taskType]: 'doug' }));
    await screenshot('2-run-workflow');
    await page.locator('#start').click();

    await page.waitForURL(/#\/execution\/[^/]+$/);
    const workflowId = decodeURIComponent(new URL(page.url()).hash.replace('#/execution/', ''));
    const task = page.locator('section.task[data-task-ref="greet"]');
    await page.locator('section.task[data-task-ref="greet"][data-status="COMPLETED"]').waitFor();
    await page.locator('#workflow[data-status="COMPLETED"]').waitFor();
    await expect(task.locator('dd[data-field="domain"]').textContent()).resolves.toBe('doug');
    await expect(task.locator('dd[data-field="queue"]').textContent()).resolves.toBe(`${taskType}@doug`);
    await expect(task.locator('dd[data-field="worker"]').textContent()).resolves.toBe(doug.workerId);
    await expect(task.locator('[data-field="rule"]').textContent()).resolves.toBe('FIRST_ACTIVE');
    await expect(task.locator('[data-field="summary"]').textContent()).resolves.toContain('"doug" is the first active domain');
    await expect(task.locator('.io pre').nth(1).textContent()).resolves.toContain("Hello World from Doug's computer!");
    await expect(page.locator('#workflow pre').first().textContent()).resolves.toContain('<b id=\\"injected\\">not bold</b>');
    await expect(page.locator('#injected').count()).resolves.toBe(0);
    await screenshot('3-execution');
    expect(pageErrors).toEqual([]);

    // The form really started the run it shows, with the map typed into it.
    const workflow = await api.workflow(workflowId);
    expect(workflow).toMatchObject({ workflowName, status: 'COMPLETED', taskToDomain: { [taskType]: 'doug' } });
    expect(workflow.tasks[0]).toMatchObject({ domain: 'doug', queueName: `${taskType}@doug`, workerId: doug.workerId });
  });

  it('shows the field and reason of a 400 next to the form when the Task to Domain map is invalid', async () => {
    await page.goto(`${turnout.baseUrl}/ui/#/run`);
    await page.locator('#definition').selectOption({ label: `${workflowName} · v1` });
    await page.locator('#task-to-domain').fill(JSON.stringify({ [taskType]: 'NO_DOMAIN,doug' }));
    await page.locator('#start').click();

    const problem = page.locator(`#form-errors li[data-field="taskToDomain.${taskType}"]`);
    await problem.waitFor();
    await expect(problem.textContent()).resolves.toBe(`taskToDomain.${taskType} NO_DOMAIN may only be the last domain in "NO_DOMAIN,doug"`);
    await expect(page.locator('#task-to-domain').getAttribute('aria-invalid')).resolves.toBe('true');
    expect(new URL(page.url()).hash).toBe('#/run');
    await screenshot('4-run-workflow-invalid');
    expect(pageErrors).toEqual([]);
  });

  describe('operator controls and the Runs page', () => {
    const opsTask = uniqueName('ui_ops_task');
    const opsWorkflow = uniqueName('ui_ops_workflow');
    /** The live pool, and one nobody polls: a task routed there waits in its queue. */
    const livePool = 'ui_ops';
    const deadPool = 'nobody';
    /** Runs whose first attempt the worker has failed (input `failFirst`): their retry completes. */
    const failedOnce = new Set<string>();

    beforeAll(async () => {
      // No retries of its own: a failed attempt fails the run at once, for the Retry button to take up.
      expect((await api.request('POST', '/api/metadata/taskdefs', [{ name: opsTask, retryCount: 0 }])).status).toBe(200);
      const registered = await api.request('POST', '/api/metadata/workflow', {
        name: opsWorkflow,
        version: 1,
        tasks: [{ name: opsTask, taskReferenceName: 'work', type: 'SIMPLE', inputParameters: { failFirst: '${workflow.input.failFirst}' } }],
        outputParameters: { done: '${work.output.done}' },
      });
      expect(registered.status).toBe(200);
      const worker = new TaskWorker({
        amqpUrl: broker,
        taskType: opsTask,
        domain: livePool,
        heartbeatIntervalMs: 200,
        execute: (task) => {
          if ((task.inputData as { failFirst?: unknown }).failFirst === true && !failedOnce.has(task.workflowInstanceId)) {
            failedOnce.add(task.workflowInstanceId);
            throw new Error('failing the first attempt on purpose');
          }
          return { done: true };
        },
      });
      await worker.start();
      workers.push(worker);
    });

    /** A run whose task waits in the dead pool's queue: RUNNING until someone acts on it. */
    async function waitingRun(): Promise<string> {
      const workflowId = await api.startWorkflow(opsWorkflow, { [opsTask]: deadPool });
      await waitFor(`${workflowId}'s task to wait in ${opsTask}@${deadPool}`, async () => (await api.workflow(workflowId)).tasks[0]?.queueName === `${opsTask}@${deadPool}`);
      return workflowId;
    }

    async function endedRun(input: Record<string, unknown>, status: 'COMPLETED' | 'FAILED'): Promise<string> {
      const workflowId = await api.startWorkflow(opsWorkflow, { [opsTask]: livePool }, input);
      await waitFor(`${workflowId} to be ${status}`, async () => (await api.workflow(workflowId)).status === status);
      return workflowId;
    }

    async function openExecution(workflowId: string, status: string): Promise<void> {
      await page.goto(`${turnout.baseUrl}/ui/#/execution/${encodeURIComponent(workflowId)}`);
      await page.locator(`#controls[data-status="${status}"]`).waitFor();
    }

    const runRow = (workflowId: string) => page.locator(`#runs-table tr[data-workflow-id="${workflowId}"]`);

    it('lists runs on the Runs page, filtered by status and by the domain a task waits in, each linking to its Execution page', async () => {
      const waiting = await waitingRun();
      const completed = await endedRun({}, 'COMPLETED');

      await page.goto(`${turnout.baseUrl}/ui/`);
      await page.getByRole('link', { name: 'Runs', exact: true }).click();
      await expect(page.locator('h1').textContent()).resolves.toBe('Runs');
      // Search reads a projection: the page refreshes until both runs are in it.
      await runRow(waiting).waitFor();
      await runRow(completed).waitFor();

      await page.locator('#runs-status-RUNNING').check();
      await page.waitForURL(/#\/runs\?status=RUNNING$/);
      await runRow(waiting).waitFor();
      await expect(runRow(waiting).locator('td[data-field="status"]').textContent()).resolves.toBe('RUNNING');
      await expect(runRow(completed).count()).resolves.toBe(0);

      await page.locator('#runs-status-RUNNING').uncheck();
      await page.locator('#runs-status-COMPLETED').check();
      await page.waitForURL(/#\/runs\?status=COMPLETED$/);
      await runRow(completed).waitFor();
      await expect(runRow(waiting).count()).resolves.toBe(0);
      await screenshot('5-runs-completed');

      await page.locator('#runs-status-COMPLETED').uncheck();
      await page.locator('#runs-type').selectOption(opsWorkflow);
      await page.locator('#runs-domain').fill(deadPool);
      await page.locator('#runs-apply').click();
      await page.waitForURL(new RegExp(`domain=${deadPool}`));
      await runRow(waiting).waitFor();
      await expect(runRow(completed).count()).resolves.toBe(0);
      await expect(page.locator('#runs-table tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-workflow-id')))).resolves.toEqual([waiting]);
      await screenshot('6-runs-waiting-in-dead-pool');

      await runRow(waiting).getByRole('link').click();
      await page.waitForURL(new RegExp(`#/execution/${waiting}$`));
      await page.locator('#workflow[data-status="RUNNING"]').waitFor();
      expect(pageErrors).toEqual([]);
    });

    it('terminates a running run with a reason: TERMINATED, its waiting task CANCELED', async () => {
      const workflowId = await waitingRun();
      await openExecution(workflowId, 'RUNNING');
      await expect(page.locator('#action-retry').isDisabled()).resolves.toBe(true);
      await expect(page.locator('#action-restart').isDisabled()).resolves.toBe(true);

      await page.locator('#terminate-reason').fill('Doug closed his laptop');
      await page.locator('#action-terminate').click();
      await page.locator('#workflow[data-status="TERMINATED"]').waitFor();
      await page.locator('section.task[data-task-ref="work"][data-status="CANCELED"]').waitFor();
      await expect(page.locator('#workflow').textContent()).resolves.toContain('Doug closed his laptop');
      await page.locator('#controls[data-status="TERMINATED"]').waitFor();
      await expect(page.locator('#action-terminate').isDisabled()).resolves.toBe(true);
      await expect(page.locator('#action-restart').isEnabled()).resolves.toBe(true);
      await screenshot('7-execution-terminated');
      expect(pageErrors).toEqual([]);

      const workflow = await api.workflow(workflowId);
      expect(workflow).toMatchObject({ status: 'TERMINATED', reasonForIncompletion: expect.stringContaining('Doug closed his laptop') });
      expect(workflow.tasks.map((task: { status: string }) => task.status)).toEqual(['CANCELED']);
    });

    it('pauses a running run and resumes it', async () => {
      const workflowId = await waitingRun();
      await openExecution(workflowId, 'RUNNING');

      await page.locator('#action-pause').click();
      await page.locator('#workflow[data-status="PAUSED"]').waitFor();
      await page.locator('#controls[data-status="PAUSED"]').waitFor();
      await expect(page.locator('#action-pause').isDisabled()).resolves.toBe(true);
      expect((await api.workflow(workflowId)).status).toBe('PAUSED');

      await page.locator('#action-resume').click();
      await page.locator('#workflow[data-status="RUNNING"]').waitFor();
      await expect(page.locator('#action-resume').isDisabled()).resolves.toBe(true);
      expect((await api.workflow(workflowId)).status).toBe('RUNNING');
      expect(pageErrors).toEqual([]);
    });

    it('retries a FAILED run from its failed task, which then completes', async () => {
      const workflowId = await endedRun({ failFirst: true }, 'FAILED');
      await openExecution(workflowId, 'FAILED');
      const failed = page.locator('section.task[data-status="FAILED"]');
      const failedTaskId = await failed.getAttribute('data-task-id');
      await expect(failed.locator('dd[data-field="reason"]').textContent()).resolves.toBe('failing the first attempt on purpose');

      await page.locator('#action-retry').click();
      await page.locator('#workflow[data-status="COMPLETED"]').waitFor();
      const retried = page.locator('section.task[data-status="COMPLETED"]');
      await expect(retried.locator('[data-field="replaces"]').textContent()).resolves.toContain(`Replaces attempt ${failedTaskId} (FAILED: failing the first attempt on purpose)`);
      await screenshot('8-execution-retried');
      expect(pageErrors).toEqual([]);

      const workflow = await api.workflow(workflowId);
      expect(workflow.status).toBe('COMPLETED');
      expect(workflow.tasks.map((task: { status: string }) => task.status)).toEqual(['FAILED', 'COMPLETED']);
    });

    it('restarts a COMPLETED run from its first task', async () => {
      const workflowId = await endedRun({}, 'COMPLETED');
      await openExecution(workflowId, 'COMPLETED');
      const firstTaskId = await page.locator('section.task[data-task-ref="work"]').getAttribute('data-task-id');

      await page.locator('#action-restart').click();
      await page.locator(`section.task[data-task-ref="work"][data-status="COMPLETED"]:not([data-task-id="${firstTaskId}"])`).waitFor();
      await page.locator('#workflow[data-status="COMPLETED"]').waitFor();
      expect(pageErrors).toEqual([]);

      const workflow = await api.workflow(workflowId);
      expect(workflow.status).toBe('COMPLETED');
      expect(workflow.tasks).toHaveLength(1);
      expect(workflow.tasks[0].taskId).not.toBe(firstTaskId);
    });

    it("changes the run's map from the form, rerouting its waiting task, and shows the field of a 400", async () => {
      const workflowId = await waitingRun();
      await openExecution(workflowId, 'RUNNING');
      const mapInput = page.locator('#new-task-to-domain');
      await expect(mapInput.inputValue().then((text) => JSON.parse(text))).resolves.toEqual({ [opsTask]: deadPool });

      await mapInput.fill(JSON.stringify({ [opsTask]: `NO_DOMAIN,${livePool}` }));
      await page.locator('#change-task-to-domain').click();
      const problem = page.locator(`#task-to-domain-errors li[data-field$="${opsTask}"]`);
      await problem.waitFor();
      await expect(problem.textContent()).resolves.toContain(`NO_DOMAIN may only be the last domain in "NO_DOMAIN,${livePool}"`);
      await expect(mapInput.getAttribute('aria-invalid')).resolves.toBe('true');
      await screenshot('9-execution-map-invalid');
      expect((await api.workflow(workflowId)).taskToDomain).toEqual({ [opsTask]: deadPool });

      await mapInput.fill(JSON.stringify({ [opsTask]: livePool }));
      await page.locator('#reroute').check();
      await page.locator('#change-task-to-domain').click();
      // The waiting attempt is canceled and scheduled again on the live pool, whose worker completes it.
      await page.locator('#workflow[data-status="COMPLETED"]').waitFor();
      await expect(page.locator('#task-to-domain-errors').isHidden()).resolves.toBe(true);
      await expect(page.locator('#workflow [data-field="taskToDomain"]').textContent()).resolves.toBe(`{"${opsTask}": "${livePool}"}`);
      await expect(page.locator('#workflow [data-field="taskToDomainHistory"]').textContent()).resolves.toContain(`{"${opsTask}": "${deadPool}"}`);
      const canceled = page.locator('section.task[data-status="CANCELED"]');
      await expect(canceled.locator('dd[data-field="queue"]').textContent()).resolves.toBe(`${opsTask}@${deadPool}`);
      const replacement = page.locator('section.task[data-status="COMPLETED"]');
      await expect(replacement.locator('dd[data-field="queue"]').textContent()).resolves.toBe(`${opsTask}@${livePool}`);
      await expect(replacement.locator('[data-field="replaces"]').getAttribute('data-moved')).resolves.toBe('true');
      await expect(replacement.locator('[data-field="replaces"]').textContent()).resolves.toContain(`which waited in ${opsTask}@${deadPool}; this attempt moved to ${opsTask}@${livePool}`);
      await screenshot('10-execution-rerouted');
      expect(pageErrors).toEqual([]);

      const workflow = await api.workflow(workflowId);
      expect(workflow).toMatchObject({ status: 'COMPLETED', taskToDomain: { [opsTask]: livePool } });
      expect(workflow.tasks.map((task: { status: string; domain: string }) => [task.status, task.domain])).toEqual([
        ['CANCELED', deadPool],
        ['COMPLETED', livePool],
      ]);
    });
  });
});
