/**
 * The web UI (apps/api/src/ui) in a real browser: headless Chromium driven by
 * playwright-core, against api and router as real processes, a real worker,
 * real Postgres and RabbitMQ. `.ci/run` installs Chromium where it is missing.
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
      throw new Error(`Chromium is not at ${CHROMIUM}: run .ci/run (it installs it) or apt-get install -y chromium, or set CHROMIUM_PATH`);
    }
    database = await createTestDatabase('e2e_ui');
    broker = await amqpUrl();
    [turnout, browser] = await Promise.all([
      startTurnout({ DATABASE_URL: database.url, AMQP_URL: broker, PRESENCE_REFRESH_MS: '100', RELAY_POLL_MS: '200' }),
      chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      }),
    ]);
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
});
