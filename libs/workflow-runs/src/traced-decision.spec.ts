import { PresenceSnapshot, blueprintOf, decide, parseTaskToDomain, validateWorkflowDef, workflowStreamId } from '@turnout/domain';
import { appendToStream } from '@turnout/event-store';
import { SPAN_ATTRIBUTES, SPAN_NAMES } from '@turnout/tracing';
import { RecordedTracing } from '@turnout/tracing/recorded-tracing.test-support';
import { migratedDatabaseForSuite } from '../../../test/support/migrated-database';
import { loadWorkflow } from './load-workflow';
import { tracedDecision } from './traced-decision';

const routing = { presence: new PresenceSnapshot(), activeWorkerTimeoutMs: 10_000 };
const definition = validateWorkflowDef({ name: 'traced', tasks: [{ name: 'only', taskReferenceName: 'only' }] });
if (!definition.ok) throw new Error('bad definition');
const blueprint = blueprintOf(definition.value, new Map());
const taskToDomain = parseTaskToDomain({ only: 'pool' }, ['only'], 'taskToDomain');
if (!taskToDomain.ok) throw new Error('bad map');
const START = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

/** The start of a run with the map `{only: "pool"}`: WorkflowStarted and the first TaskScheduled. */
const startEvents = (workflowId: string) =>
  decide(
    {
      type: 'StartWorkflow',
      data: { workflowId, blueprint, input: {}, taskToDomain: taskToDomain.value, correlationId: null, firstTaskId: 'task-1', routing, now: 1 },
    },
    { type: 'Empty' },
  );

describe('tracedDecision (the trace context a decision appends)', () => {
  it("gives each scheduled task a span beneath the cause, with its domain, queue and rule, and its traceparent in the event's metadata", () => {
    const tracing = new RecordedTracing();
    const events = startEvents('run-1');
    const traced = tracedDecision(tracing, 'run-1', events, START);

    expect(tracing.spans).toEqual([
      {
        name: SPAN_NAMES.schedule,
        start: {
          parent: START,
          attributes: expect.objectContaining({
            [SPAN_ATTRIBUTES.workflowId]: 'run-1',
            [SPAN_ATTRIBUTES.taskId]: 'task-1',
            [SPAN_ATTRIBUTES.domain]: 'pool',
            [SPAN_ATTRIBUTES.queue]: 'only@pool',
            [SPAN_ATTRIBUTES.routingRule]: 'LAST_INACTIVE',
          }),
        },
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-0000000000000001-01',
        ended: false,
        failed: undefined,
      },
    ]);
    // The start's own context is the run's: kept with WorkflowStarted.
    expect(traced.runTraceparent).toBe(START);
    expect(traced.events.map((event) => [event.type, event.metadata])).toEqual([
      ['WorkflowStarted', { traceparent: START }],
      ['TaskScheduled', { traceparent: '00-0af7651916cd43dd8448eb211c80319c-0000000000000001-01' }],
    ]);
    expect(traced.events.map((event) => event.data)).toEqual(events.map((event) => event.data));
  });

  it('ends the scheduling spans with the append, failed when the append failed', () => {
    const tracing = new RecordedTracing();
    tracedDecision(tracing, 'run-2', startEvents('run-2'), START).settle(new Error('version conflict'));
    expect(tracing.spans.map(({ ended, failed }) => [ended, failed])).toEqual([[true, new Error('version conflict')]]);
  });
});

describe("loadWorkflow: the run's trace context", () => {
  const fixture = migratedDatabaseForSuite('traced_runs');

  it("is read from its WorkflowStarted's metadata, and absent for a run started without tracing", async () => {
    const traced = tracedDecision(new RecordedTracing(), 'with-trace', startEvents('with-trace'), START);
    await appendToStream(fixture.db, workflowStreamId('with-trace'), 0, traced.events);
    await appendToStream(fixture.db, workflowStreamId('without-trace'), 0, startEvents('without-trace'));

    expect((await loadWorkflow(fixture.db, 'with-trace')).traceparent).toBe(START);
    expect((await loadWorkflow(fixture.db, 'without-trace')).traceparent).toBeUndefined();
  });
});
