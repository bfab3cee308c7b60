import { parseTaskToDomain } from '../routing/task-to-domain';
import { PresenceSnapshot } from '../routing/worker-presence';
import type { RoutingContext } from '../routing/resolve-domain';
import type { WorkflowCommand } from './commands';
import { decide } from './decide';
import { type WorkflowBlueprint, blueprintOf, validateWorkflowDef } from './definition';
import type { EventOf, WorkflowEvent } from './events';
import { foldEvents } from './evolve';
import { given, givenWithScripts } from './given-when-then.test-support';
import { isHostAllowed } from './http-task';
import type { ScriptEvaluator } from './script-evaluator';

const NOW = 1_700_000_000_000;
const nobody: RoutingContext = { presence: new PresenceSnapshot(), activeWorkerTimeoutMs: 10_000 };
const NO_MAP = (() => {
  const parsed = parseTaskToDomain({});
  if (!parsed.ok) throw new Error('bad map');
  return parsed.value;
})();

/** An HTTP task `call` (its task definition: one retry, at once), frozen from a definition as a registration would. */
function blueprintCalling(httpRequest: unknown, taskDefs = new Map([['call', { name: 'call', retryCount: 1, retryDelaySeconds: 0 }]])): WorkflowBlueprint {
  const def = validateWorkflowDef({ name: 'caller', tasks: [{ name: 'call', taskReferenceName: 'call', type: 'HTTP', inputParameters: { http_request: httpRequest } }] });
  if (!def.ok) throw new Error(JSON.stringify(def.errors));
  return blueprintOf(def.value, taskDefs);
}

const REQUEST = { uri: 'http://orders.local/orders/${workflow.input.id}', method: 'POST', body: { id: '${workflow.input.id}' }, readTimeOut: '2000' };

const start = (blueprint: WorkflowBlueprint): WorkflowCommand => ({
  type: 'StartWorkflow',
  data: { workflowId: 'wf-1', blueprint, input: { id: 42 }, taskToDomain: NO_MAP, correlationId: null, firstTaskId: 't1', routing: nobody, now: NOW },
});

const reported = (taskId: string, status: 'COMPLETED' | 'FAILED', outputData: Record<string, unknown>, reasonForIncompletion: string | null = null): WorkflowCommand => ({
  type: 'RecordSystemTaskResult',
  data: { taskId, status, outputData, reasonForIncompletion, nextTaskId: 't2', routing: nobody, now: NOW + 100 },
});

const scheduledOf = (events: readonly WorkflowEvent[]) =>
  events.filter((event): event is EventOf<'TaskScheduled'> => event.type === 'TaskScheduled').map((event) => event.data);

describe('HTTP', () => {
  describe('Empty: a run whose first task is an HTTP call', () => {
    it('schedules it held IN_PROGRESS with no domain, its call evaluated with Conductor defaults, for a router to make', () => {
      const events = given().when(start(blueprintCalling(REQUEST))).events();
      expect(events.map((event) => event.type)).toEqual(['WorkflowStarted', 'TaskScheduled']);
      expect(scheduledOf(events)[0]).toMatchObject({
        kind: 'HTTP',
        taskType: 'HTTP',
        domain: null,
        queueName: '',
        http: { uri: 'http://orders.local/orders/42', method: 'POST', headers: {}, body: { id: 42 }, contentType: 'application/json', accept: 'application/json', connectionTimeOut: null, readTimeOut: 2000 },
      });
      const state = foldEvents(events);
      expect(state.type === 'Running' && state.run.tasks[0].status).toBe('IN_PROGRESS');
    });

    it('fails the task at once, with no retry, when its evaluated uri is no URL', () => {
      const events = given().when(start(blueprintCalling({ uri: '${workflow.input.missing}' }))).events();
      expect(events.map((event) => event.type)).toEqual(['WorkflowStarted', 'TaskScheduled', 'TaskFailed', 'WorkflowFailed']);
      expect(events[2]).toMatchObject({ data: { terminal: true, reasonForIncompletion: 'http_request.uri: must be an absolute http or https URL' } });
    });
  });

  describe('Running: the call was made', () => {
    const history = decide(start(blueprintCalling(REQUEST)), { type: 'Empty' });
    const response = { statusCode: 200, reasonPhrase: 'OK', headers: { 'content-type': ['application/json'] }, body: { ok: true } };

    it('completes the task with the response as its output, and the run with it', () => {
      const events = given(...history).when(reported('t1', 'COMPLETED', { response })).events();
      expect(events).toEqual([
        { type: 'TaskCompleted', data: { taskId: 't1', outputData: { response }, workerId: null, endTime: NOW + 100 } },
        { type: 'WorkflowCompleted', data: { output: { response }, endTime: NOW + 100 } },
      ]);
    });

    it('retries a failed call by the task definition of its name: a new attempt, with its own call', () => {
      const events = given(...history).when(reported('t1', 'FAILED', {}, 'POST http://orders.local/orders/42 answered 500 Internal Server Error')).events();
      expect(events.map((event) => event.type)).toEqual(['TaskFailed', 'TaskScheduled']);
      expect(scheduledOf(events)[0]).toMatchObject({ taskId: 't2', kind: 'HTTP', retryCount: 1, retriedTaskId: 't1', http: { uri: 'http://orders.local/orders/42' } });
    });

    it('evaluates a script task after it with the sandbox, in the decision that records the call', () => {
      const def = validateWorkflowDef({
        name: 'caller_then_script',
        tasks: [
          { name: 'call', taskReferenceName: 'call', type: 'HTTP', inputParameters: { http_request: REQUEST } },
          { name: 'pick', taskReferenceName: 'pick', type: 'INLINE', inputParameters: { evaluatorType: 'javascript', expression: '$.ok', ok: '${call.output.response.body.ok}' } },
        ],
      });
      if (!def.ok) throw new Error(JSON.stringify(def.errors));
      const scripts: ScriptEvaluator = { javascript: (_expression, input) => ({ ok: true, value: (input as { ok: unknown }).ok }), jq: () => ({ ok: false, reason: 'no jq here' }) };
      const started = decide(start(blueprintOf(def.value, new Map())), { type: 'Empty' }, scripts);
      const events = givenWithScripts(scripts, ...started).when(reported('t1', 'COMPLETED', { response })).events();
      expect(events.map((event) => event.type)).toEqual(['TaskCompleted', 'TaskScheduled', 'TaskCompleted', 'WorkflowCompleted']);
      expect(events[2]).toMatchObject({ type: 'TaskCompleted', data: { outputData: { result: true } } });
    });

    it('fails the run once the retries of its definition are spent, or at once with no task definition', () => {
      const bare = decide(start(blueprintCalling(REQUEST, new Map())), { type: 'Empty' });
      const events = given(...bare).when(reported('t1', 'FAILED', {}, 'connect ECONNREFUSED')).events();
      expect(events.map((event) => event.type)).toEqual(['TaskFailed', 'WorkflowFailed']);
      expect(events[1]).toMatchObject({ data: { reasonForIncompletion: 'task call failed after 0 retries: connect ECONNREFUSED' } });
    });
  });

  describe('Running: the attempt already ended', () => {
    const begun = decide(start(blueprintCalling(REQUEST)), { type: 'Empty' });
    const history = [...begun, ...decide(reported('t1', 'FAILED', {}, 'timeout'), foldEvents(begun))];

    it('changes nothing when a router reports the call again (a redelivered message)', () => {
      given(...history).when(reported('t1', 'COMPLETED', {})).then([]);
    });
  });
});

describe('validateWorkflowDef: HTTP', () => {
  const errorsOf = (inputParameters: unknown) => {
    const result = validateWorkflowDef({ name: 'w', tasks: [{ name: 'call', taskReferenceName: 'call', type: 'HTTP', inputParameters }] });
    return result.ok ? [] : result.errors;
  };

  it('accepts a call written as it is or with expressions', () => {
    expect(errorsOf({ http_request: { uri: 'https://a.example/x', method: 'PUT', headers: { 'x-key': 'k' }, body: [1], connectionTimeOut: 100, readTimeOut: '150' } })).toEqual([]);
    expect(errorsOf({ http_request: { uri: '${workflow.input.uri}', method: '${workflow.input.method}', headers: { 'x-key': '${workflow.input.key}' } } })).toEqual([]);
  });

  it('names the field and the reason of each mistake', () => {
    expect(errorsOf({})).toEqual([{ path: 'tasks[0].inputParameters.http_request', message: expect.stringContaining('is required') }]);
    expect(errorsOf({ http_request: { uri: 'ftp://a.example', method: 'FETCH', headers: { 'x-n': 1 }, accept: 3, readTimeOut: 0 } })).toEqual([
      { path: 'tasks[0].inputParameters.http_request.uri', message: 'must be an http or https URL, not ftp:' },
      { path: 'tasks[0].inputParameters.http_request.method', message: 'must be one of GET, PUT, POST, DELETE, OPTIONS, HEAD, PATCH' },
      { path: 'tasks[0].inputParameters.http_request.headers.x-n', message: 'must be a string' },
      { path: 'tasks[0].inputParameters.http_request.accept', message: 'must be a string (a media type)' },
      { path: 'tasks[0].inputParameters.http_request.readTimeOut', message: 'must be a whole number of milliseconds above 0' },
    ]);
  });
});

describe('isHostAllowed (HTTP_TASK_ALLOWED_HOSTS)', () => {
  it('lets every host out with no list, and with one only its hosts (any port) or host:port entries', () => {
    expect(isHostAllowed('http://anything.example/x', null)).toBe(true);
    expect(isHostAllowed('http://API.example:8080/x', ['api.example'])).toBe(true);
    expect(isHostAllowed('http://127.0.0.1:9000/x', ['127.0.0.1:9000'])).toBe(true);
    expect(isHostAllowed('http://127.0.0.1:9001/x', ['127.0.0.1:9000'])).toBe(false);
    expect(isHostAllowed('https://evil.example/x', ['api.example'])).toBe(false);
    expect(isHostAllowed('https://api.example/x', ['api.example:443'])).toBe(true);
  });
});
