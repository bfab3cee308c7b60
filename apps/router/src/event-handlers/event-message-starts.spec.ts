import type { ConsumeMessage } from 'amqplib';
import { type EventHandler, PresenceSnapshot } from '@turnout/domain';
import { BatchedAppender } from '@turnout/event-store';
import { findBlueprint, findWorkflowDefinitionWithTasks, saveWorkflowDefinition } from '@turnout/metadata';
import { CONFIG_DEFAULTS } from '@turnout/config';
import { WorkflowCommandHandler, WorkflowStarts } from '@turnout/workflow-runs';
import { migratedDatabaseForSuite } from '../../../../test/support/migrated-database';
import { RoutingMetrics } from '../metrics/routing-metrics';
import { EventMessageStarts, workflowIdForMessage } from './event-message-starts';

const handler = (name: string, workflows: string[]): EventHandler => ({
  name,
  event: 'amqp_queue:orders',
  active: true,
  actions: workflows.map((workflow) => ({
    action: 'start_workflow' as const,
    expandInlineJSON: false,
    start_workflow: { name: workflow, version: null, correlationId: null, input: { id: '${id}' }, taskToDomain: null },
  })),
});

const message = (body: string, messageId?: string): ConsumeMessage =>
  ({ content: Buffer.from(body), fields: {}, properties: { headers: {}, ...(messageId === undefined ? {} : { messageId }) } }) as unknown as ConsumeMessage;

describe('workflowIdForMessage', () => {
  it('is a UUID, the same for the same handler, message and action, different otherwise', () => {
    const id = workflowIdForMessage('h', 'm', 0);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(workflowIdForMessage('h', 'm', 0)).toBe(id);
    expect(new Set([id, workflowIdForMessage('h', 'm', 1), workflowIdForMessage('h2', 'm', 0), workflowIdForMessage('h', 'm2', 0)]).size).toBe(4);
  });
});

describe('EventMessageStarts (what a message of an event queue starts)', () => {
  const fixture = migratedDatabaseForSuite('event_message_starts');
  let messageStarts: EventMessageStarts;

  beforeAll(async () => {
    await saveWorkflowDefinition(fixture.db, { name: 'fulfil', version: 1, tasks: [{ name: 'pack', taskReferenceName: 'pack', type: 'SIMPLE', inputParameters: {} }] }, false);
    const starts = new WorkflowStarts(
      new WorkflowCommandHandler(fixture.db, new BatchedAppender(fixture.db)),
      { find: (name, version) => findWorkflowDefinitionWithTasks(fixture.db, name, version), blueprint: (definition, at) => findBlueprint(fixture.db, definition, at) },
      { caughtUp: async () => undefined, routingContext: () => ({ presence: new PresenceSnapshot(), activeWorkerTimeoutMs: 10_000 }) },
    );
    messageStarts = new EventMessageStarts(starts, new RoutingMetrics(CONFIG_DEFAULTS));
  });

  const runsOf = async (messageId: string) =>
    (
      await fixture.db.query(
        "select data->>'workflowId' as id, data->'input'->>'id' as input_id from turnout_events where type = 'WorkflowStarted' and data->'startedBy'->>'messageId' = $1 order by id",
        [messageId],
      )
    ).map((row: { id: string; input_id: string }) => row);

  it('starts one run per action, and none again when the same message comes back', async () => {
    const handlers = [handler('twice', ['fulfil', 'fulfil'])];
    expect(await messageStarts.handle(handlers, message('{"id":"o-1"}', 'm-1'))).toEqual({ type: 'ack' });
    expect(await messageStarts.handle(handlers, message('{"id":"o-1"}', 'm-1'))).toEqual({ type: 'ack' });
    const runs = await runsOf('m-1');
    expect(runs.map((run: { id: string }) => run.id).sort()).toEqual([workflowIdForMessage('twice', 'm-1', 0), workflowIdForMessage('twice', 'm-1', 1)].sort());
    expect(runs.map((run: { input_id: string }) => run.input_id)).toEqual(['o-1', 'o-1']);
  });

  it('dead-letters with every refusal, after starting what could be started', async () => {
    const outcome = await messageStarts.handle([handler('good', ['fulfil']), handler('bad', ['missing'])], message('{"id":"o-2"}', 'm-2'));
    expect(outcome).toEqual({ type: 'dead-letter', reason: 'event handler bad, actions[0]: No such workflow found by name: missing, version: null' });
    expect(await runsOf('m-2')).toHaveLength(1);
  });

  it('dead-letters a body that is not a JSON object', async () => {
    expect(await messageStarts.handle([handler('good', ['fulfil'])], message('[1,2]', 'm-3'))).toEqual({ type: 'dead-letter', reason: 'body must be a JSON object' });
    expect(await runsOf('m-3')).toHaveLength(0);
  });

  it('throws, dead-lettering nothing, when the database fails: the consumer puts the message back', async () => {
    const unreachable = new WorkflowStarts(
      new WorkflowCommandHandler(fixture.db, new BatchedAppender(fixture.db)),
      { find: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432')), blueprint: () => Promise.reject(new Error('unused')) },
      { caughtUp: async () => undefined, routingContext: () => ({ presence: new PresenceSnapshot(), activeWorkerTimeoutMs: 10_000 }) },
    );
    const failing = new EventMessageStarts(unreachable, new RoutingMetrics(CONFIG_DEFAULTS));
    await expect(failing.handle([handler('good', ['fulfil'])], message('{"id":"o-4"}', 'm-4'))).rejects.toThrow('ECONNREFUSED');
    expect(await runsOf('m-4')).toHaveLength(0);
  });
});
