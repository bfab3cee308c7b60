/**
 * Conductor's HTTP task on the real servers, against an HTTP server of the
 * test's own, the workflows built and registered with the unmodified Conductor
 * JavaScript SDK's builders. The routers may call 127.0.0.1 only
 * (HTTP_TASK_ALLOWED_HOSTS), so a call to `localhost` is refused.
 */
import { once } from 'node:events';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WorkflowExecutor, httpTask, orkesConductorClient, workflow } from '@io-orkes/conductor-javascript';
import { uniqueName } from '../support/services';
import { turnoutForSuite } from '../support/turnout-fixture';

const taskOf = (run: any, reference: string) => (run.tasks as any[]).filter((task) => task.referenceTaskName === reference);

/** Generous timeouts: the machine is shared, and Conductor's defaults (100 ms, 150 ms) leave no room. */
const PATIENT = { connectionTimeOut: 5_000, readTimeOut: '5000' };

describe('HTTP task, end to end', () => {
  const turnout = turnoutForSuite('e2e_http_task', { HTTP_TASK_ALLOWED_HOSTS: '127.0.0.1' });
  const executor = async () => new WorkflowExecutor(await orkesConductorClient({ serverUrl: `${turnout.api.baseUrl}/api` }));

  /** Every request the server took, by path. */
  const seen: Array<{ method: string; path: string; body: string; contentType: string | undefined }> = [];
  const failuresLeft = new Map<string, number>();
  let server: Server;
  let port: number;

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const path = request.url ?? '';
    seen.push({ method: request.method ?? '', path, body: Buffer.concat(chunks).toString('utf8'), contentType: request.headers['content-type'] });
    if (path.startsWith('/slow')) {
      // Answers long after the task's readTimeOut.
      setTimeout(() => response.end('late'), 3_000);
      return;
    }
    const failures = failuresLeft.get(path) ?? 0;
    if (failures > 0) {
      failuresLeft.set(path, failures - 1);
      response.writeHead(500, { 'content-type': 'text/plain' }).end('try again');
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json', 'x-served-by': 'test' }).end(JSON.stringify({ method: request.method, path, received: chunks.length === 0 ? null : JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
  }

  beforeAll(async () => {
    server = createServer((request, response) => void handle(request, response));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.closeAllConnections();
    server.close();
  });

  async function runOf(tasks: unknown[]): Promise<any> {
    const name = uniqueName('http_flow');
    const sdk = await executor();
    await sdk.registerWorkflow(true, workflow(name, tasks as any));
    const workflowId = await sdk.startWorkflow({ name, version: 1, input: { id: 7 } });
    return turnout.ended(workflowId, 20_000);
  }

  it('makes a GET and a POST with a body, each response the output as Conductor shapes it', async () => {
    const run = await runOf([
      httpTask('get_item', { uri: `http://127.0.0.1:${port}/items/\${workflow.input.id}`, method: 'GET', ...PATIENT }),
      httpTask('post_item', { uri: `http://127.0.0.1:${port}/items`, method: 'POST', body: { id: '${workflow.input.id}', from: '${get_item.output.response.body.path}' }, ...PATIENT }),
    ]);
    expect(run.status).toBe('COMPLETED');
    const [get] = taskOf(run, 'get_item');
    expect(get).toMatchObject({ taskType: 'HTTP', status: 'COMPLETED', domain: null });
    expect(get.outputData.response).toMatchObject({ statusCode: 200, reasonPhrase: 'OK', body: { method: 'GET', path: '/items/7', received: null } });
    expect(get.outputData.response.headers['x-served-by']).toEqual(['test']);
    const [post] = taskOf(run, 'post_item');
    expect(post.outputData.response.body).toEqual({ method: 'POST', path: '/items', received: { id: 7, from: '/items/7' } });
    expect(seen.find((request) => request.method === 'POST' && request.path === '/items')?.contentType).toBe('application/json');
  });

  it('retries a call answered 500 by the task definition of its name, then completes', async () => {
    const reference = uniqueName('http_flaky');
    const path = `/flaky/${reference}`;
    failuresLeft.set(path, 1);
    await turnout.registerTaskDefs([{ name: reference, retryCount: 2, retryDelaySeconds: 0 }]);
    const run = await runOf([httpTask(reference, { uri: `http://127.0.0.1:${port}${path}`, method: 'GET', ...PATIENT })]);
    expect(run.status).toBe('COMPLETED');
    const attempts = taskOf(run, reference);
    expect(attempts.map((attempt: any) => attempt.status)).toEqual(['FAILED', 'COMPLETED']);
    expect(attempts[0]).toMatchObject({ reasonForIncompletion: expect.stringContaining('answered 500'), outputData: { response: { statusCode: 500, body: 'try again' } } });
    expect(seen.filter((request) => request.path === path)).toHaveLength(2);
  });

  it('fails the task when no response comes within its readTimeOut', async () => {
    const run = await runOf([httpTask('slow', { uri: `http://127.0.0.1:${port}/slow/${uniqueName('t')}`, method: 'GET', connectionTimeOut: 5_000, readTimeOut: '300' })]);
    expect(run.status).toBe('FAILED');
    expect(taskOf(run, 'slow')[0]).toMatchObject({ status: 'FAILED', reasonForIncompletion: expect.stringContaining('no response within readTimeOut (300 ms)') });
  });

  it('refuses, without calling it, a host HTTP_TASK_ALLOWED_HOSTS does not list', async () => {
    const path = `/refused/${uniqueName('r')}`;
    const run = await runOf([httpTask('refused', { uri: `http://localhost:${port}${path}`, method: 'GET', ...PATIENT })]);
    expect(run.status).toBe('FAILED');
    expect(taskOf(run, 'refused')[0]).toMatchObject({
      status: 'FAILED_WITH_TERMINAL_ERROR',
      reasonForIncompletion: `host localhost:${port} is not in HTTP_TASK_ALLOWED_HOSTS: no call was made`,
    });
    expect(seen.filter((request) => request.path === path)).toEqual([]);
  });

  it('refuses a definition whose call is malformed, naming the field', async () => {
    const response = await turnout.api.request('POST', '/api/metadata/workflow', workflow(uniqueName('http_bad'), [httpTask('bad', { uri: 'not a url', method: 'GET' })]));
    expect(response.status).toBe(400);
    expect(response.body.validationErrors).toEqual([expect.objectContaining({ path: 'tasks[0].inputParameters.http_request.uri', message: '"not a url" is not an absolute http or https URL' })]);
  });
});
