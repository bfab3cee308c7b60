/**
 * API keys against a real api: Conductor's key exchange (POST /api/token), the
 * token in X-Authorization on every route but /health, /metrics and the
 * exchange, tokens that expire, and Conductor's JavaScript SDK given a keyId
 * and keySecret, unmodified, refreshing its token when the old one expires.
 */
import { MetadataClient, TaskManager, WorkflowExecutor, orkesConductorClient } from '@io-orkes/conductor-javascript';
import { GUARDED_ROUTES, OPEN_ROUTES, pathOf } from '../support/api-routes';
import { uniqueName } from '../support/services';
import { turnoutForSuite } from '../support/turnout-fixture';
import { waitFor } from '../support/wait-for';

const KEY_ID = 'ci';
const KEY_SECRET = `ci-secret-${uniqueName('k')}`;
const TTL_SECONDS = 3;

describe('API keys', () => {
  const turnout = turnoutForSuite('e2e_api_keys', {
    API_KEYS: `ops:ops-secret,${KEY_ID}:${KEY_SECRET}`,
    API_TOKEN_TTL_SECONDS: String(TTL_SECONDS),
    // Every request's line is logged: none may hold a secret or a token.
    LOG_LEVEL: 'debug',
  });
  const tokensSeen: string[] = [];

  async function call(method: string, path: string, headers: Record<string, string> = {}, body?: unknown) {
    const response = await fetch(`${turnout.api.baseUrl}${path}`, {
      method,
      headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, text: await response.text() };
  }

  async function token(keyId = KEY_ID, keySecret = KEY_SECRET): Promise<string> {
    const response = await call('POST', '/api/token', {}, { keyId, keySecret });
    expect(response.status).toBe(200);
    const issued = (JSON.parse(response.text) as { token: string }).token;
    tokensSeen.push(issued);
    return issued;
  }

  const samplePath = (route: (typeof GUARDED_ROUTES)[number]) => pathOf(route, (parameter) => (parameter === 'version' ? '1' : `sample_${parameter}`));

  it('answers a token for a configured key and 401 with nothing else for a wrong secret or an unknown key', async () => {
    expect(await token()).toMatch(/^[\w-]+\.[\w-]+$/);
    expect(await token('ops', 'ops-secret')).toMatch(/^[\w-]+\.[\w-]+$/);
    for (const wrong of [{ keyId: KEY_ID, keySecret: 'ops-secret' }, { keyId: 'nobody', keySecret: KEY_SECRET }]) {
      expect(await call('POST', '/api/token', {}, wrong)).toEqual({ status: 401, text: '' });
    }
    const malformed = await call('POST', '/api/token', {}, { keyId: KEY_ID, keySecret: 42 });
    expect(malformed.status).toBe(400);
    expect(JSON.parse(malformed.text).validationErrors).toEqual([expect.objectContaining({ path: 'keySecret' })]);
  });

  it('refuses every route but /health, /metrics and /api/token with a 401 and nothing else, without a token or with a wrong one', async () => {
    const [claims] = (await token()).split('.');
    const wrongTokens = [undefined, 'nonsense', `${claims}.AAAA`, `Bearer ${await token()}`];
    for (const route of GUARDED_ROUTES) {
      for (const wrong of wrongTokens) {
        const response = await call(route.method, samplePath(route), wrong === undefined ? {} : { 'x-authorization': wrong }, route.body ? {} : undefined);
        expect([route.method, route.path, wrong, response]).toEqual([route.method, route.path, wrong, { status: 401, text: '' }]);
      }
    }
    expect((await call('GET', '/health')).status).toBe(200);
    expect((await call('GET', '/metrics')).text).toMatch(/turnout_queue_depth/);
    expect(OPEN_ROUTES.map((route) => route.path)).toEqual(['/health', '/metrics', '/api/token']);
  });

  it('serves every route to a caller with a good token', async () => {
    for (const route of GUARDED_ROUTES) {
      // Fresh for each: the tokens of this suite live TTL_SECONDS.
      const response = await call(route.method, samplePath(route), { 'x-authorization': await token() }, route.body ? {} : undefined);
      expect([route.method, route.path, response.status === 401 || response.status >= 500]).toEqual([route.method, route.path, false]);
    }
  });

  it('refuses a token once it has expired', async () => {
    const expiring = await token();
    const workflows = () => call('GET', '/api/metadata/workflow', { 'x-authorization': expiring });
    expect((await workflows()).status).toBe(200);
    await waitFor('the token to expire', async () => (await workflows()).status === 401, { timeoutMs: (TTL_SECONDS + 5) * 1000 });
    expect(await call('GET', '/api/tasks/queue/all', { 'x-authorization': expiring })).toEqual({ status: 401, text: '' });
  });

  it("lets Conductor's SDK, given keyId and keySecret, start and poll a workflow, and get a new token when its own expires", async () => {
    // No background refresh (its timer would outlive the test): the SDK renews its token on the 401 an expired one meets.
    const client = await orkesConductorClient({ serverUrl: `${turnout.api.baseUrl}/api`, keyId: KEY_ID, keySecret: KEY_SECRET, refreshTokenInterval: 0 });
    const issuedWithTheSdks = await token();
    const taskType = uniqueName('keyed_greet');
    const workflowName = uniqueName('keyed_workflow');
    const metadata = new MetadataClient(client);
    await metadata.registerTask({ name: taskType, retryCount: 0, timeoutSeconds: 60, responseTimeoutSeconds: 30, totalTimeoutSeconds: 60 } as Parameters<MetadataClient['registerTask']>[0]);
    await metadata.registerWorkflowDef(
      {
        name: workflowName,
        version: 1,
        schemaVersion: 2,
        inputParameters: ['who'],
        tasks: [{ name: taskType, taskReferenceName: 'greet', type: 'SIMPLE', inputParameters: { who: '${workflow.input.who}' } }],
        outputParameters: { greeting: '${greet.output.greeting}' },
        timeoutSeconds: 0,
      } as Parameters<MetadataClient['registerWorkflowDef']>[0],
      true,
    );
    const executor = new WorkflowExecutor(client);
    const manager = new TaskManager(
      client,
      [{ taskDefName: taskType, execute: async (task) => ({ status: 'COMPLETED', outputData: { greeting: `hello ${String(task.inputData?.who)}` } }) }],
      { options: { pollInterval: 100, concurrency: 1 } },
    );
    turnout.stopAfterwards(() => manager.stopPolling());
    manager.startPolling();
    const completed = async (who: string) => {
      const workflowId = await executor.startWorkflow({ name: workflowName, version: 1, input: { who } });
      return waitFor(`the run for ${who} to complete`, async () => {
        const current = await executor.getWorkflow(workflowId, true);
        return current.status === 'COMPLETED' ? current : undefined;
      });
    };

    expect((await completed('before')).output).toEqual({ greeting: 'hello before' });
    // A token issued with the SDK's expires with it: from then on the SDK's is refused too.
    await waitFor('the first tokens to expire', async () => (await call('GET', '/api/metadata/workflow', { 'x-authorization': issuedWithTheSdks })).status === 401, {
      timeoutMs: (TTL_SECONDS + 5) * 1000,
    });
    expect((await completed('after')).output).toEqual({ greeting: 'hello after' });
    // The SDK met a 401 and asked for a new token (the api's request lines: method, URL and status only).
    const tokensIssued = turnout.output().match(/"url":"\/api\/token"[^\n]*"statusCode":200/g) ?? [];
    expect(tokensIssued.length).toBeGreaterThanOrEqual(tokensSeen.length + 2);
  });

  afterAll(() => {
    // Secrets and tokens never reach the log, whatever was asked and answered.
    const output = turnout.output();
    expect(output).not.toContain(KEY_SECRET);
    expect(output).not.toContain('ops-secret');
    for (const seen of tokensSeen) expect(output).not.toContain(seen);
  });
});
