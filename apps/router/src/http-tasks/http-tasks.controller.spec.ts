import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ConsumeMessage } from 'amqplib';
import { CONFIG_DEFAULTS, type TurnoutConfig } from '@turnout/config';
import { PresenceSnapshot, type WorkflowState, blueprintOf, validateWorkflowDef } from '@turnout/domain';
import { BatchedAppender } from '@turnout/event-store';
import { WorkflowCommandHandler, loadWorkflow } from '@turnout/workflow-runs';
import { migratedDatabaseForSuite } from '../../../../test/support/migrated-database';
import { WorkerPresenceService } from '../presence/worker-presence.service';
import { HttpTasksController } from './http-tasks.controller';

const routing = { presence: new PresenceSnapshot(), activeWorkerTimeoutMs: 10_000 };

describe('HttpTasksController (a router carrying out HTTP attempts)', () => {
  const fixture = migratedDatabaseForSuite('http_tasks_controller');
  let server: Server;
  let port: number;
  let calls: string[];

  beforeAll(async () => {
    server = createServer((request, response) => {
      calls.push(request.url ?? '');
      // JSON whose text holds a NUL, which PostgreSQL stores in no column.
      if (request.url?.startsWith('/nul')) response.writeHead(200, 'OK', { 'content-type': 'application/json' }).end('{"a": "x\\u0000y"}');
      else response.writeHead(201, 'Created', { 'content-type': 'text/plain' }).end('made');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });
  beforeEach(() => {
    calls = [];
  });

  function controllerWith(config: Partial<TurnoutConfig> = {}) {
    const full: TurnoutConfig = { ...CONFIG_DEFAULTS, httpTaskConnectTimeoutMs: 5_000, httpTaskReadTimeoutMs: 5_000, ...config };
    const workflows = new WorkflowCommandHandler(fixture.db, new BatchedAppender(fixture.db));
    return { workflows, controller: new HttpTasksController(workflows, new WorkerPresenceService(fixture.db, full), fixture.db, full) };
  }

  async function runCalling(workflows: WorkflowCommandHandler, uri: string): Promise<{ workflowId: string; taskId: string }> {
    const def = validateWorkflowDef({ name: 'caller', tasks: [{ name: 'call', taskReferenceName: 'call', type: 'HTTP', inputParameters: { http_request: { uri } } }] });
    if (!def.ok) throw new Error('bad definition');
    const workflowId = `http-${randomUUID()}`;
    const taskId = randomUUID();
    await workflows.handle(
      workflowId,
      () => ({ type: 'StartWorkflow', data: { workflowId, blueprint: blueprintOf(def.value, new Map()), input: {}, taskToDomain: {}, correlationId: null, firstTaskId: taskId, routing, now: Date.now() } }),
      { read: 'new' },
    );
    return { workflowId, taskId };
  }

  const messageOf = (workflowInstanceId: string, taskId: string) => ({ content: Buffer.from(JSON.stringify({ workflowInstanceId, taskId })) }) as ConsumeMessage;
  const stateOf = async (workflowId: string): Promise<WorkflowState> => (await loadWorkflow(fixture.db, workflowId)).state;

  it('makes the call once, records the response, and makes no call for the same message delivered again', async () => {
    const { workflows, controller } = controllerWith();
    const { workflowId, taskId } = await runCalling(workflows, `http://127.0.0.1:${port}/once/${randomUUID()}`);
    await expect(controller.onHttpTask(messageOf(workflowId, taskId))).resolves.toEqual({ type: 'ack' });
    await expect(controller.onHttpTask(messageOf(workflowId, taskId))).resolves.toEqual({ type: 'ack' });
    expect(calls).toHaveLength(1);
    const state = await stateOf(workflowId);
    expect(state.type).toBe('Completed');
    expect(state.type !== 'Empty' && state.run.tasks[0].outputData).toEqual({ response: { statusCode: 201, reasonPhrase: 'Created', headers: expect.objectContaining({ 'content-type': ['text/plain'] }), body: 'made' } });
  });

  it('fails the task saying why when the answer holds text PostgreSQL cannot store, rather than failing the record on every delivery', async () => {
    const { workflows, controller } = controllerWith();
    const { workflowId, taskId } = await runCalling(workflows, `http://127.0.0.1:${port}/nul`);
    await expect(controller.onHttpTask(messageOf(workflowId, taskId))).resolves.toEqual({ type: 'ack' });
    const state = await stateOf(workflowId);
    expect(state.type !== 'Empty' && state.run.tasks[0]).toMatchObject({
      status: 'FAILED',
      reasonForIncompletion: `GET http://127.0.0.1:${port}/nul answered 200 with what Turnout cannot store: response.body.a: must not contain NUL characters or unpaired surrogates`,
      outputData: { response: { statusCode: 200, body: null } },
    });
  });

  it('makes no call for an attempt superseded before its message was taken (the run terminated)', async () => {
    const { workflows, controller } = controllerWith();
    const { workflowId, taskId } = await runCalling(workflows, `http://127.0.0.1:${port}/superseded`);
    await workflows.handle(workflowId, () => ({ type: 'TerminateWorkflow', data: { reason: 'stop', now: Date.now() } }), { read: 'fresh' });
    await controller.onHttpTask(messageOf(workflowId, taskId));
    expect(calls).toEqual([]);
  });

  it('refuses a host the allow-list does not name, without a call, and fails the task saying so', async () => {
    const { workflows, controller } = controllerWith({ httpTaskAllowedHosts: ['api.example'] });
    const { workflowId, taskId } = await runCalling(workflows, `http://127.0.0.1:${port}/refused`);
    await controller.onHttpTask(messageOf(workflowId, taskId));
    expect(calls).toEqual([]);
    const state = await stateOf(workflowId);
    expect(state.type !== 'Empty' && state.run.tasks[0]).toMatchObject({
      status: 'FAILED_WITH_TERMINAL_ERROR',
      reasonForIncompletion: `host 127.0.0.1:${port} is not in HTTP_TASK_ALLOWED_HOSTS: no call was made`,
    });
  });

  it('fails the task with the reason when nothing answers, and dead-letters a message that is no attempt', async () => {
    const { workflows, controller } = controllerWith();
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const closedPort = (closed.address() as AddressInfo).port;
    closed.close();
    const { workflowId, taskId } = await runCalling(workflows, `http://127.0.0.1:${closedPort}/nobody`);
    await controller.onHttpTask(messageOf(workflowId, taskId));
    const state = await stateOf(workflowId);
    expect(state.type !== 'Empty' && state.run.tasks[0]).toMatchObject({ status: 'FAILED', reasonForIncompletion: expect.stringContaining('ECONNREFUSED') });
    await expect(controller.onHttpTask({ content: Buffer.from('{"taskId": 1}') } as ConsumeMessage)).resolves.toMatchObject({ type: 'dead-letter', reason: expect.stringContaining('workflowInstanceId') });
  });
});
