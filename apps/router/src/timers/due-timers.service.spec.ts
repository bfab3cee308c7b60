import { Logger } from '@nestjs/common';
import { CONFIG_DEFAULTS, type TurnoutConfig } from '@turnout/config';
import { PresenceSnapshot, type WorkflowEvent, blueprintOf, decide, foldEvents, validateWorkflowDef, workflowStreamId } from '@turnout/domain';
import { BatchedAppender, appendToStream, readStream } from '@turnout/event-store';
import { recordTimers, timersProjection } from '@turnout/timers';
import { WorkflowCommandHandler } from '@turnout/workflow-runs';
import { migratedDatabaseForSuite } from '../../../../test/support/migrated-database';
import { timerRows } from '../../../../test/support/timer-rows';
import { waitFor } from '../../../../test/support/wait-for';
import type { RoutingMetrics } from '../metrics/routing-metrics';
import { WorkerPresenceService } from '../presence/worker-presence.service';
import { DueTimersService } from './due-timers.service';

const definition = validateWorkflowDef({ name: 'flaky', tasks: [{ name: 'flaky', taskReferenceName: 'flaky' }] });
if (!definition.ok) throw new Error('bad definition');
// One retry, a second after the failure.
const blueprint = blueprintOf(definition.value, new Map([['flaky', { name: 'flaky', retryCount: 1, retryDelaySeconds: 1 }]]));
const routing = { presence: new PresenceSnapshot(), activeWorkerTimeoutMs: 10_000 };

describe('DueTimersService', () => {
  const fixture = migratedDatabaseForSuite('due_timers');
  // A line per timer that fired is the service's news, not the test's.
  beforeAll(() => Logger.overrideLogger(['warn', 'error']));
  afterAll(() => Logger.overrideLogger(['log', 'warn', 'error']));
  const services: DueTimersService[] = [];
  afterEach(async () => {
    await Promise.all(services.splice(0).map((service) => service.beforeApplicationShutdown()));
  });

  const config: TurnoutConfig = { ...CONFIG_DEFAULTS, timerPollMs: 20 };

  /** A router's timer service on the test database; `fired` counts the runs it handled a timer of. */
  function routerTimers() {
    const workflows = new WorkflowCommandHandler(fixture.db, new BatchedAppender(fixture.db));
    const fired: string[] = [];
    const handle = workflows.handle.bind(workflows);
    workflows.handle = (workflowId, commandFor, options) => (fired.push(workflowId), handle(workflowId, commandFor, options));
    const routed: WorkflowEvent[] = [];
    const metrics = { record: (events: readonly WorkflowEvent[]) => routed.push(...events) } as unknown as RoutingMetrics;
    // Never started: an empty presence snapshot routes to the default queue.
    const service = new DueTimersService(fixture.db, config, workflows, new WorkerPresenceService(fixture.db, config), metrics);
    services.push(service);
    return { service, fired, routed };
  }

  /** A run whose first attempt failed a while ago: its retry is due, and the timers projection has seen it. */
  async function runAwaitingRetry(workflowId: string): Promise<void> {
    const failedAt = Date.now() - 5_000;
    const start = decide(
      { type: 'StartWorkflow', data: { workflowId, blueprint, input: {}, taskToDomain: {}, correlationId: null, firstTaskId: `${workflowId}-1`, routing, now: failedAt - 1 } },
      { type: 'Empty' },
    );
    const failure = decide(
      {
        type: 'RecordTaskResult',
        data: {
          taskId: `${workflowId}-1`,
          status: 'FAILED',
          outputData: {},
          reasonForIncompletion: 'first try',
          workerId: 'w',
          callbackAfterSeconds: null,
          nextTaskId: 'unused',
          routing,
          now: failedAt,
        },
      },
      foldEvents(start),
    );
    expect(failure.map((event) => event.type)).toEqual(['TaskFailed', 'TaskRetryDelayed']);
    await appendToStream(fixture.db, workflowStreamId(workflowId), 0, [...start, ...failure]);
    await timersProjection.apply(fixture.db, (await readStream(fixture.db, workflowStreamId(workflowId))).events);
  }

  const eventTypes = async (workflowId: string) => (await readStream(fixture.db, workflowStreamId(workflowId))).events.map((event) => event.type);

  it('fires each due timer once though two routers share them, and deletes it', async () => {
    const runs = Array.from({ length: 40 }, (_, n) => `shared-${n}`);
    for (const workflowId of runs) await runAwaitingRetry(workflowId);
    expect((await timerRows(fixture.db)).filter((timer) => timer.kind === 'RETRY')).toHaveLength(runs.length);

    const routers = [routerTimers(), routerTimers()];
    for (const { service } of routers) service.onApplicationBootstrap();
    await waitFor('every timer fired', async () => (await timerRows(fixture.db)).length === 0);

    const fired = routers.flatMap((router) => router.fired).sort();
    expect(fired).toEqual([...runs].sort());
    for (const workflowId of runs) {
      expect([workflowId, await eventTypes(workflowId)]).toEqual([workflowId, ['WorkflowStarted', 'TaskScheduled', 'TaskFailed', 'TaskRetryDelayed', 'TaskScheduled']]);
    }
    const retries = routers.flatMap((router) => router.routed).filter((event) => event.type === 'TaskScheduled');
    expect(retries).toHaveLength(runs.length);
    expect(retries.every((event) => event.type === 'TaskScheduled' && event.data.retryCount === 1 && event.data.queueName === 'flaky')).toBe(true);
  });

  it('deletes a due timer that is stale or whose run is gone, deciding nothing, and leaves one not due yet', async () => {
    await runAwaitingRetry('stale');
    const [retry] = await timerRows(fixture.db);
    const notDue = { workflowId: 'stale', kind: 'WORKFLOW_TIMEOUT' as const, taskId: null, dueAt: Date.now() + 60_000 };
    await recordTimers(fixture.db, [
      // The retry's attempt never started: its response timeout has nothing to time out.
      { workflowId: 'stale', kind: 'RESPONSE_TIMEOUT', taskId: 'stale-1', dueAt: Date.now() - 1_000 },
      { workflowId: 'no-such-run', kind: 'RETRY', taskId: 'x', dueAt: Date.now() - 1_000 },
      notDue,
    ]);
    await fixture.db.query('delete from turnout_timers where kind = $1 and workflow_id = $2', [retry.kind, retry.workflowId]);
    const before = await eventTypes('stale');

    const { service, fired } = routerTimers();
    await service.fireDue();
    expect(fired.sort()).toEqual(['no-such-run', 'stale']);
    expect(await timerRows(fixture.db)).toEqual([notDue]);
    expect(await eventTypes('stale')).toEqual(before);
  });
});
