/**
 * A property-based fuzz of every HTTP route of a real api: random path
 * segments (control characters, NUL, bytes that are not UTF-8, over-long
 * names), query parameters (wrong types, repeated, bracketed, unknown) and
 * bodies (random JSON, wrong types, deep nesting, unknown fields, text that is
 * not JSON). Whatever comes in, the answer is below 500, a refusal carries
 * Conductor's error body (a 400 names the field), and the api keeps serving.
 */
import fc from 'fast-check';
import { GUARDED_ROUTES, OPEN_ROUTES, type ApiRoute, mappedRoutesIn, pathOf } from '../support/api-routes';
import { uniqueName } from '../support/services';
import { turnoutForSuite } from '../support/turnout-fixture';

/** Fixed, so a failure is replayed as it was; fast-check prints the counterexample. */
const SEED = 20_261_207;
const RUNS_PER_ROUTE = 25;
const MAX_BODY_BYTES = 1_048_576;

const taskType = uniqueName('fuzz_task');
const workflowName = uniqueName('fuzz_flow');

/** Text as an attacker or a broken client writes it. */
const nastyText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 24 }),
  fc.string({ unit: 'binary', maxLength: 24 }),
  fc.constantFrom('', ' ', '\u0000', 'a\u0000b', '\u0007\u001b[31m', '\ud800', 'a\udfffb', '..', '%', '*', '@', 'x@y', 'a,b', ',', 'NO_DOMAIN', 'x,NO_DOMAIN', '${workflow.input}', "'; drop table x; --", '[]', '{}', 'null', 'true'),
  fc.constantFrom('-1', '0', '1', '2', '99', '100', '1000', '60001', '1e3', '0x10', '1.5', 'NaN', 'Infinity', '9007199254740993'),
  fc.constantFrom('COMPLETED', 'FAILED', 'IN_PROGRESS', 'RUNNING', 'TARGET_WORKFLOW', 'BLOCKING_TASK', 'status = RUNNING', 'workflowType IN (a,b) AND startTime > 1'),
  fc.constantFrom(taskType, workflowName, `${taskType}@doug`),
  fc.integer({ min: 256, max: 4096 }).map((length) => 'n'.repeat(length)),
);

/** A path segment: some text percent-encoded (its UTF-8), or raw bytes that need not be UTF-8. */
const pathSegment = (known: string[]): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 4, arbitrary: nastyText.map((text) => [...Buffer.from(text, 'utf8')].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('')) },
    { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 6 }).map((bytes) => [...bytes].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('')) },
    { weight: 2, arbitrary: fc.constantFrom(...known.map(encodeURIComponent)) },
  );

const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  nastyText,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 3 }),
  fc.dictionary(nastyText, nastyText, { maxKeys: 4 }),
  fc.array(nastyText, { maxLength: 4 }),
);

/** An object with some of `fields` (each any JSON value or a nested shape) and perhaps fields nobody knows. */
const shaped = (fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Record<string, unknown>> =>
  fc
    .tuple(
      fc.record(Object.fromEntries(Object.entries(fields).map(([field, value]) => [field, fc.oneof(value, anyJson)])), { requiredKeys: [] }),
      fc.dictionary(nastyText, anyJson, { maxKeys: 2 }),
    )
    .map(([known, unknown]) => ({ ...unknown, ...known }));

const workflowTask = shaped({
  name: fc.constantFrom(taskType, 'other'),
  taskReferenceName: fc.constantFrom('a', 'b'),
  type: fc.constantFrom('SIMPLE', 'FORK_JOIN', 'JOIN', 'SWITCH', 'SUB_WORKFLOW', 'SET_VARIABLE', 'TERMINATE', 'WAIT', 'HTTP'),
  inputParameters: fc.dictionary(nastyText, nastyText, { maxKeys: 3 }),
  forkTasks: fc.array(fc.array(fc.constant({ name: taskType, taskReferenceName: 'f', type: 'SIMPLE' }), { maxLength: 2 }), { maxLength: 2 }),
  joinOn: fc.array(nastyText, { maxLength: 2 }),
  decisionCases: fc.dictionary(nastyText, fc.constant([]), { maxKeys: 2 }),
  subWorkflowParam: shaped({ name: fc.constant(workflowName), version: anyJson, taskToDomain: anyJson }),
  evaluatorType: fc.constantFrom('value-param', 'javascript'),
  expression: nastyText,
});
const workflowDef = shaped({
  name: nastyText,
  version: fc.oneof(fc.integer(), nastyText),
  tasks: fc.array(workflowTask, { maxLength: 3 }),
  outputParameters: anyJson,
  timeoutSeconds: fc.integer(),
  timeoutPolicy: fc.constantFrom('TIME_OUT_WF', 'ALERT_ONLY', 'nope'),
  schemaVersion: fc.integer(),
});
const taskDef = shaped({
  name: nastyText,
  retryCount: fc.integer(),
  retryLogic: fc.constantFrom('FIXED', 'LINEAR_BACKOFF', 'EXPONENTIAL_BACKOFF', 'nope'),
  retryDelaySeconds: fc.integer(),
  backoffScaleFactor: fc.integer(),
  timeoutSeconds: fc.integer(),
  timeoutPolicy: fc.constantFrom('RETRY', 'TIME_OUT_WF', 'ALERT_ONLY', 'nope'),
  responseTimeoutSeconds: fc.integer(),
  pollTimeoutSeconds: fc.integer(),
});
const taskToDomain = fc.dictionary(fc.oneof(fc.constantFrom(taskType, '*'), nastyText), nastyText, { maxKeys: 3 });
const startRequest = shaped({
  name: fc.constantFrom(workflowName, 'unknown'),
  version: fc.oneof(fc.constant(1), fc.integer()),
  input: fc.dictionary(nastyText, anyJson, { maxKeys: 3 }),
  correlationId: nastyText,
  taskToDomain,
  workflowDef,
  priority: fc.integer(),
});
const taskResult = shaped({
  taskId: nastyText,
  workflowInstanceId: nastyText,
  status: fc.constantFrom('COMPLETED', 'FAILED', 'FAILED_WITH_TERMINAL_ERROR', 'IN_PROGRESS', 'SCHEDULED'),
  outputData: anyJson,
  reasonForIncompletion: nastyText,
  workerId: nastyText,
  callbackAfterSeconds: fc.oneof(fc.integer(), fc.double()),
});
const eventHandler = shaped({
  name: nastyText,
  event: fc.oneof(nastyText.map((queue) => `amqp_queue:${queue}`), nastyText),
  actions: fc.array(shaped({ action: fc.constantFrom('start_workflow', 'complete_task'), start_workflow: startRequest }), { maxLength: 2 }),
  active: fc.boolean(),
  condition: nastyText,
});

/** The body each route reads, by path; the others get any JSON. */
const BODY_SHAPES: Record<string, fc.Arbitrary<unknown>> = {
  '/api/metadata/taskdefs': fc.oneof(fc.array(taskDef, { maxLength: 3 }), taskDef),
  '/api/metadata/workflow': fc.oneof(workflowDef, fc.array(workflowDef, { maxLength: 2 })),
  '/api/workflow': startRequest,
  '/api/workflow/execute/:name/:version': startRequest,
  '/api/workflow/:name': fc.dictionary(nastyText, anyJson, { maxKeys: 3 }),
  '/api/workflow/:workflowId/skiptask/:taskReferenceName': shaped({ taskInput: anyJson, taskOutput: anyJson }),
  '/api/workflow/:workflowId/rerun': shaped({ reRunFromTaskId: nastyText, reRunFromWorkflowId: nastyText, workflowInput: anyJson, taskInput: anyJson }),
  '/api/workflow/:workflowId/taskToDomain': taskToDomain,
  '/api/tasks': taskResult,
  '/api/tasks/update-v2': taskResult,
  '/api/tasks/:taskId/log': nastyText,
  '/api/event': eventHandler,
  '/api/token': shaped({ keyId: nastyText, keySecret: nastyText }),
};

/** The raw text of a body: JSON of a value, JSON nested deeper than any parser's recursion should go, or text that is not JSON. */
const bodyText = (route: ApiRoute): fc.Arbitrary<string | undefined> =>
  fc.oneof(
    { weight: 6, arbitrary: (BODY_SHAPES[route.path] ?? anyJson).map((value) => JSON.stringify(value) ?? 'null') },
    { weight: 2, arbitrary: anyJson.map((value) => JSON.stringify(value) ?? 'null') },
    { weight: 1, arbitrary: fc.integer({ min: 500, max: 20_000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`) },
    { weight: 1, arbitrary: fc.integer({ min: 500, max: 20_000 }).map((depth) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`) },
    { weight: 1, arbitrary: fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('{', '{"a":', '\u0000', '"\\u0000"', '{"name":"\\u0000"}', '"\\ud800"')) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );

/** Query parameters: the route's own, given once, repeated, empty or bracketed, and some nobody reads. */
const queryText = (route: ApiRoute): fc.Arbitrary<string> => {
  const encode = (text: string) => encodeURIComponent(text.replace(/[\ud800-\udfff]/g, '\ufffd'));
  const names = fc.oneof(...(route.query.length > 0 ? [fc.constantFrom(...route.query)] : []), nastyText, fc.constantFrom(...route.query.map((name) => `${name}[]`), 'a[b]', '__proto__', 'constructor'));
  return fc.array(fc.tuple(names, fc.array(nastyText, { minLength: 1, maxLength: 3 })), { maxLength: 5 }).map((parameters) => {
    const pairs = parameters.flatMap(([name, values]) => values.map((value) => `${encode(name)}=${encode(value)}`));
    return pairs.length === 0 ? '' : `?${pairs.join('&')}`;
  });
};

describe('HTTP fuzz: every route, path, query and body', () => {
  const turnout = turnoutForSuite('e2e_http_fuzz');
  const knownIds: string[] = [];
  let requests = 0;

  beforeAll(async () => {
    await turnout.registerTaskDefs([{ name: taskType, retryCount: 0, responseTimeoutSeconds: 30 }]);
    await turnout.registerWorkflow(workflowName, [taskType]);
    // A run that exists, so that actions on it meet its state rather than a 404.
    knownIds.push(await turnout.api.startWorkflow(workflowName, { [taskType]: 'doug' }));
  });

  afterAll(() => {
    process.stdout.write(`HTTP fuzz: ${requests} requests over ${GUARDED_ROUTES.length + OPEN_ROUTES.length} routes (seed ${SEED}, ${RUNS_PER_ROUTE} runs each)\n`);
  });

  async function send(method: string, path: string, body: string | undefined) {
    requests += 1;
    const response = await fetch(`${turnout.api.baseUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(20_000),
    });
    const text = await response.text();
    return { status: response.status, contentType: response.headers.get('content-type') ?? '', text };
  }

  /** Below 500; a refusal is Conductor's error body, a 400 naming the field of each problem. */
  function expectHandled(answer: { status: number; contentType: string; text: string }): void {
    expect(answer.status).toBeLessThan(500);
    if (answer.status < 400) return;
    expect(answer.contentType).toMatch(/application\/json/);
    const body = JSON.parse(answer.text) as { status: unknown; message: unknown; validationErrors?: Array<{ path: unknown; field: unknown; reason: unknown }> };
    expect(body).toMatchObject({ status: answer.status, message: expect.any(String) });
    if (answer.status === 400) {
      expect(body.validationErrors?.length).toBeGreaterThan(0);
      for (const problem of body.validationErrors ?? []) expect(problem).toMatchObject({ field: expect.any(String), reason: expect.any(String) });
    }
  }

  it('lists every route the api maps (the fuzz covers them all)', () => {
    const listed = [...GUARDED_ROUTES, ...OPEN_ROUTES].map((route) => `${route.method} ${route.path}`).sort();
    const mapped = mappedRoutesIn(turnout.output()).filter((route) => !route.startsWith('ALL '));
    expect(mapped.sort()).toEqual(listed);
  });

  it.each([...GUARDED_ROUTES, ...OPEN_ROUTES].map((route) => [`${route.method} ${route.path}`, route] as const))('%s answers anything with a 4xx, never a 5xx', async (_name, route) => {
    const known = (parameter: string) => (parameter.toLowerCase().includes('workflowid') ? knownIds : parameter === 'name' || parameter === 'taskType' ? [workflowName, taskType] : ['1']);
    const parameters = [...route.path.matchAll(/:(\w+)/g)].map((match) => match[1]!);
    const segments = fc.record(Object.fromEntries(parameters.map((parameter) => [parameter, pathSegment(known(parameter))])));
    await fc.assert(
      fc.asyncProperty(segments, queryText(route), route.body ? bodyText(route) : fc.constant(undefined), async (values, query, body) => {
        const answer = await send(route.method, `${pathOf(route, (parameter) => values[parameter]!)}${query}`, body);
        try {
          expectHandled(answer);
        } catch (error) {
          const sent = `${route.method} ${pathOf(route, (parameter) => values[parameter]!)}${query}`;
          throw new Error(`${sent.slice(0, 400)} body ${body?.slice(0, 200)} -> ${answer.status} ${answer.text.slice(0, 300)}\n${(error as Error).message}`);
        }
      }),
      { seed: SEED, numRuns: RUNS_PER_ROUTE, endOnFailure: true },
    );
    expect((await send('GET', '/health', undefined)).status).toBe(200);
  });

  it(`refuses a body over MAX_BODY_BYTES (${MAX_BODY_BYTES}) with a 413 and Conductor's error body, and takes one just under`, async () => {
    // A workflow of its own: the fuzz may have deleted the shared one.
    const padWorkflow = uniqueName('fuzz_padded');
    await turnout.registerWorkflow(padWorkflow, [taskType]);
    const padded = (bytes: number) => {
      const start = JSON.stringify({ name: padWorkflow, input: { pad: '' } });
      return start.replace('"pad":""', `"pad":"${'x'.repeat(bytes - start.length)}"`);
    };
    const over = await send('POST', '/api/workflow', padded(MAX_BODY_BYTES + 1));
    expect(over.status).toBe(413);
    expect(JSON.parse(over.text)).toMatchObject({ status: 413, message: expect.stringContaining('MAX_BODY_BYTES'), validationErrors: [expect.objectContaining({ path: 'body' })] });
    expect((await send('POST', '/api/workflow', padded(MAX_BODY_BYTES))).status).toBe(200);
  });

  it('keeps serving after all of it', async () => {
    expect((await send('GET', '/health', undefined)).status).toBe(200);
    expect(turnout.output()).not.toMatch(/api exited/);
  });
});
