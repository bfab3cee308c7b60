/**
 * The Execution page of runs with control flow, in headless Chromium against
 * the api as a real process on real Postgres: a fork's tasks under it by
 * branch, the case a switch chose, a sub-workflow's link to its child run and
 * the child's link back. The runs are written through WorkflowCommandHandler,
 * the one path every command takes, with a hand-made blueprint; no router runs,
 * so nothing but this test moves them (a router would start the child itself).
 *
 * UI_SCREENSHOT_DIR=/tmp/ui saves a screenshot of the parent's and the child's page there.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, type Page, chromium } from 'playwright-core';
import { openDatabase } from '@turnout/database';
import { PresenceSnapshot, type WorkflowCommand, type WorkflowState } from '@turnout/domain';
import { BatchedAppender } from '@turnout/event-store';
import { WorkflowCommandHandler } from '@turnout/workflow-runs';
import type { DataSource } from 'typeorm';
import { childBlueprint, orderBlueprint } from '../../apps/api/src/workflows/control-flow-run.test-support';
import { type TestDatabase, amqpUrl, createTestDatabase, uniqueName } from '../support/services';
import { type TurnoutProcess, startTurnoutProcess } from '../support/turnout-process';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const UI_TIMEOUT_MS = 15_000;
const routing = { presence: new PresenceSnapshot(), activeWorkerTimeoutMs: 10_000 };

describe('web UI: the Execution page of a run with a fork, a switch and a sub-workflow', () => {
  const parentId = uniqueName('ui_order');
  let database: TestDatabase;
  let db: DataSource;
  let api: TurnoutProcess;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];
  let childId: string;
  let standardTaskId: string;

  /** The latest attempt of a reference name in a run's state. */
  const attemptOf = (state: WorkflowState, reference: string) => {
    const tasks = state.type === 'Empty' ? [] : state.run.tasks.filter((task) => task.referenceTaskName === reference);
    const attempt = tasks[tasks.length - 1];
    if (attempt === undefined) throw new Error(`${reference} was not scheduled`);
    return attempt;
  };

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`Chromium is not at ${CHROMIUM}: run .ci/run (it installs it) or apt-get install -y chromium, or set CHROMIUM_PATH`);
    }
    database = await createTestDatabase('e2e_ui_flow');
    // Migrates the test's database before the api opens it.
    db = await openDatabase(database.url, { poolSize: 2 });
    const [started, launched] = await Promise.allSettled([
      startTurnoutProcess('api', { DATABASE_URL: database.url, AMQP_URL: await amqpUrl() }),
      chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] }),
    ]);
    if (started.status === 'fulfilled') api = started.value;
    if (launched.status === 'fulfilled') browser = launched.value;
    if (started.status === 'rejected') throw started.reason;
    if (launched.status === 'rejected') throw launched.reason;

    // The order run (tier silver): both branches done, the switch takes its default case, the sub-workflow names its child.
    const workflows = new WorkflowCommandHandler(db, new BatchedAppender(db), { maxCachedRuns: 0 });
    const now = () => Date.now();
    let state = (
      await workflows.handle(
        parentId,
        () => ({
          type: 'StartWorkflow',
          data: { workflowId: parentId, blueprint: orderBlueprint, input: { tier: 'silver' }, taskToDomain: {}, correlationId: null, firstTaskId: `${parentId}-1`, routing, now: now() },
        }),
        { read: 'new' },
      )
    ).state;
    for (const reference of ['charge', 'receipt', 'pack']) {
      const taskId = attemptOf(state, reference).taskId;
      const completed: WorkflowCommand = {
        type: 'RecordTaskResult',
        data: { taskId, status: 'COMPLETED', outputData: { done: reference }, reasonForIncompletion: null, workerId: 'ui-test', callbackAfterSeconds: null, nextTaskId: `${taskId}-next`, routing, now: now() },
      };
      state = (await workflows.handle(parentId, () => completed, { read: 'fresh' })).state;
    }
    const standard = attemptOf(state, 'standard');
    if (standard.subWorkflow === undefined) throw new Error('the sub-workflow named no child');
    childId = standard.subWorkflow.workflowId;
    standardTaskId = standard.taskId;
    await workflows.handle(
      childId,
      () => ({
        type: 'StartWorkflow',
        data: {
          workflowId: childId,
          blueprint: childBlueprint,
          input: {},
          taskToDomain: standard.subWorkflow?.taskToDomain ?? {},
          correlationId: null,
          firstTaskId: `${childId}-1`,
          routing,
          now: now(),
          parent: { workflowId: parentId, taskId: standardTaskId },
        },
      }),
      { read: 'new' },
    );
  });

  afterAll(async () => {
    await browser?.close();
    await api?.stop();
    await db?.destroy();
    await database?.drop();
  });

  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    page = await context.newPage();
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

  it("groups the fork's tasks under it by branch, shows the switch's default case with its task, and links the sub-workflow to its child and back", async () => {
    await page.goto(`${api.baseUrl}/ui/#/execution/${encodeURIComponent(parentId)}`);
    await page.locator('section.task[data-task-ref="standard"]').waitFor();

    const branches = page.locator('.placed[data-container="fork"]');
    const branch = (index: number) => branches.locator(`:scope > section.branch[data-branch="${index}"]`);
    await expect(branch(0).locator(':scope > h3').textContent()).resolves.toBe('Branch 1 of fork');
    await expect(branch(0).locator(':scope > section.task').evaluateAll((cards) => cards.map((card) => card.getAttribute('data-task-ref')))).resolves.toEqual(['charge', 'receipt']);
    await expect(branch(1).locator(':scope > h3').textContent()).resolves.toBe('Branch 2 of fork');
    await expect(branch(1).locator(':scope > section.task').evaluateAll((cards) => cards.map((card) => card.getAttribute('data-task-ref')))).resolves.toEqual(['pack']);
    // The fork, join and switch are the run's own sequence, at the top; what the branches and the case hold is not.
    await expect(page.locator('.execution > section.task').evaluateAll((cards) => cards.map((card) => card.getAttribute('data-task-ref')))).resolves.toEqual(['fork', 'join', 'route']);

    const forkCard = page.locator('section.task[data-task-ref="fork"]');
    await expect(forkCard.locator('dd[data-field="domain"]').textContent()).resolves.toContain('system task');
    await expect(forkCard.locator('dd[data-field="queue"]').count()).resolves.toBe(0);

    await expect(page.locator('section.task[data-task-ref="route"] dd[data-field="chosen-case"]').textContent()).resolves.toBe('default case ("silver" matches no case)');
    const defaultCase = page.locator('.placed[data-container="route"] > section.case[data-case=""]');
    await expect(defaultCase.locator(':scope > h3').textContent()).resolves.toBe('Default case of route');
    const standard = defaultCase.locator(':scope > section.task[data-task-ref="standard"]');
    await expect(standard.getAttribute('data-status')).resolves.toBe('IN_PROGRESS');

    await screenshot('control-flow-parent');

    const childLink = standard.locator('dd[data-field="sub-workflow"] a');
    await expect(childLink.getAttribute('href')).resolves.toBe(`#/execution/${encodeURIComponent(childId)}`);
    await childLink.click();
    await page.waitForURL((url) => url.hash === `#/execution/${encodeURIComponent(childId)}`);
    await page.locator('section.task[data-task-ref="label"]').waitFor();
    await expect(page.locator('#workflow h2').textContent()).resolves.toContain('shipping');
    const parentFact = page.locator('#workflow dd[data-field="parent"]');
    await expect(parentFact.textContent()).resolves.toBe(`${parentId} from its task ${standardTaskId}`);

    await screenshot('control-flow-child');

    await parentFact.locator('a').click();
    await page.waitForURL((url) => url.hash === `#/execution/${encodeURIComponent(parentId)}`);
    await page.locator('.placed[data-container="fork"]').waitFor();
    expect(pageErrors).toEqual([]);
  });
});
