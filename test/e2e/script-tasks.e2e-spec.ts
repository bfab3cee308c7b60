/**
 * INLINE, JSON_JQ_TRANSFORM, a javascript SWITCH and DO_WHILE on the real
 * servers, the definitions built with the unmodified Conductor JavaScript
 * SDK's builders: scripts run in the sandbox, each loop iteration's task is
 * routed when it is scheduled, and a hostile script fails its task while the
 * api keeps serving.
 */
import { MetadataClient, WorkflowExecutor, doWhileTask, inlineTask, jsonJqTask, orkesConductorClient, simpleTask, switchTask } from '@io-orkes/conductor-javascript';
import { CONFIG_DEFAULTS } from '@turnout/config';
import { uniqueName } from '../support/services';
import { turnoutForSuite } from '../support/turnout-fixture';
import { waitFor } from '../support/wait-for';

const tasksNamed = (workflow: any, reference: string) => (workflow.tasks as any[]).filter((task) => task.referenceTaskName === reference);
const taskOf = (workflow: any, reference: string) => tasksNamed(workflow, reference).pop();

describe('Script tasks and loops, end to end', () => {
  const turnout = turnoutForSuite('e2e_script_tasks', { ACTIVE_WORKER_TIMEOUT_MS: '2000' });
  const LIMIT_MS = CONFIG_DEFAULTS.sandboxTimeLimitMs;

  const sdk = async () => {
    const client = await orkesConductorClient({ serverUrl: `${turnout.api.baseUrl}/api` });
    return { metadata: new MetadataClient(client), executor: new WorkflowExecutor(client) };
  };

  async function register(definition: Record<string, unknown>) {
    const { metadata } = await sdk();
    await metadata.registerWorkflowDef({ version: 1, schemaVersion: 2, inputParameters: [], timeoutSeconds: 0, ...definition } as any, true);
  }

  it('computes with INLINE, reshapes with jq and chooses a case with javascript (SDK builders)', async () => {
    const name = uniqueName('js_flow');
    const big = inlineTask('big', '"big order"');
    const small = inlineTask('small', '"small order"');
    await register({
      name,
      tasks: [
        { ...inlineTask('total', 'function total() { return $.items.reduce((sum, item) => sum + item.price, 0); } total();'), inputParameters: { evaluatorType: 'graaljs', expression: 'function total() { return $.items.reduce((sum, item) => sum + item.price, 0); } total();', items: '${workflow.input.items}' } },
        { ...jsonJqTask('names', '[.items[].name] | sort'), inputParameters: { queryExpression: '[.items[].name] | sort', items: '${workflow.input.items}' } },
        { ...switchTask('size', '${total.output.result}', { big: [big] }, [small]), evaluatorType: 'javascript', expression: '$.switchCaseValue > 100 ? "big" : "small"' },
      ],
      outputParameters: { total: '${total.output.result}', names: '${names.output.result}', all: '${names.output.resultList}', said: '${big.output.result}' },
    });
    const { executor } = await sdk();
    const workflowId = await executor.startWorkflow({ name, version: 1, input: { items: [{ name: 'pear', price: 70 }, { name: 'apple', price: 50 }] } });
    const run = await turnout.ended(workflowId);
    expect(run).toMatchObject({ status: 'COMPLETED', output: { total: 120, names: ['apple', 'pear'], all: [['apple', 'pear']], said: 'big order' } });
    expect(taskOf(run, 'total')).toMatchObject({ taskType: 'INLINE', status: 'COMPLETED', domain: null, outputData: { result: 120 } });
    expect(taskOf(run, 'size')).toMatchObject({ taskType: 'SWITCH', outputData: { evaluationResult: ['big'] } });
    expect(taskOf(run, 'small')).toBeUndefined();
  });

  it('runs a DO_WHILE whose loop task is on a domain: every iteration routed to the tenant_x worker when scheduled', async () => {
    const work = uniqueName('loop_work');
    const name = uniqueName('loop_flow');
    await turnout.registerTaskDefs([{ name: work, retryCount: 0, responseTimeoutSeconds: 30 }]);
    const loop = doWhileTask('loop', "if ($.loop['iteration'] < $.times) { true; } else { false; }", [simpleTask('step', work, { round: '${workflow.input.label}' })]);
    await register({ name, tasks: [{ ...loop, inputParameters: { times: '${workflow.input.times}' } }], outputParameters: { loop: '${loop.output}' } });
    const seen: string[] = [];
    await turnout.startWorker({
      taskType: work,
      domain: 'tenant_x',
      heartbeatIntervalMs: 200,
      execute: async (task: any) => {
        seen.push(task.referenceTaskName);
        return { at: task.referenceTaskName };
      },
    });

    const { executor } = await sdk();
    const workflowId = await executor.startWorkflow({ name, version: 1, input: { times: 3, label: 'x' }, taskToDomain: { '*': 'tenant_x,NO_DOMAIN' } });
    const run = await turnout.ended(workflowId, 30_000);
    expect([run.status, run.reasonForIncompletion]).toEqual(['COMPLETED', undefined]);
    const steps = (run.tasks as any[]).filter((task) => task.taskType === work);
    expect(steps.map((task) => [task.referenceTaskName, task.iteration, task.domain, task.queueName])).toEqual(
      [1, 2, 3].map((iteration) => [`step__${iteration}`, iteration, 'tenant_x', `${work}@tenant_x`]),
    );
    // Each iteration's routing reason says the live domain chose it.
    for (const step of steps) expect(step.routing.summary).toContain('tenant_x');
    expect(seen).toEqual(['step__1', 'step__2', 'step__3']);
    expect(taskOf(run, 'loop')).toMatchObject({ taskType: 'DO_WHILE', status: 'COMPLETED' });
    expect(run.output.loop).toEqual({ iteration: 3, '1': { step: { at: 'step__1' } }, '2': { step: { at: 'step__2' } }, '3': { step: { at: 'step__3' } } });
  });

  it('fails a hostile INLINE (an endless loop) with a clear reason, and the api keeps serving meanwhile', async () => {
    const name = uniqueName('hostile');
    await register({ name, tasks: [inlineTask('spin', 'while (true) {}')] });
    const { executor } = await sdk();
    // The api runs a start's first task in the start itself: a health check sent beside the starts is answered once the limit stops the script.
    const healthCheck = async () => {
      const asked = Date.now();
      const health = await turnout.api.request('GET', '/health');
      return { status: health.status, tookMs: Date.now() - asked };
    };
    const [workflowIds, health] = await Promise.all([Promise.all([1, 2].map(() => executor.startWorkflow({ name, version: 1, input: {} }))), healthCheck()]);
    expect(health.status).toBe(200);
    expect(health.tookMs).toBeLessThan(2 * LIMIT_MS + 2_000);
    for (const workflowId of workflowIds) {
      const run = await turnout.ended(workflowId);
      expect(run.status).toBe('FAILED');
      expect(taskOf(run, 'spin')).toMatchObject({
        taskType: 'INLINE',
        status: 'FAILED',
        reasonForIncompletion: `INLINE's expression failed: it did not finish within ${LIMIT_MS} ms (SANDBOX_TIME_LIMIT_MS)`,
      });
    }
    // And the sandbox serves the next script.
    const fine = uniqueName('after_hostile');
    await register({ name: fine, tasks: [inlineTask('ok', '"fine"')], outputParameters: { said: '${ok.output.result}' } });
    const after = await waitFor('a script after the hostile one', async () => {
      const run = await turnout.ended(await executor.startWorkflow({ name: fine, version: 1, input: {} }));
      return run.status === 'COMPLETED' ? run : undefined;
    });
    expect(after.output).toEqual({ said: 'fine' });
  });

  it('fails hostile jq and scripts that reach for the process, each with its reason', async () => {
    const name = uniqueName('reach');
    await register({
      name,
      tasks: [
        {
          ...switchTask('which', '${workflow.input.which}', {
            env: [jsonJqTask('env', '$ENV')],
            endless: [jsonJqTask('endless', 'repeat(.)')],
            process: [inlineTask('process', 'process.env')],
          }),
        },
      ],
    });
    const { executor } = await sdk();
    const reasons: Record<string, string> = {};
    for (const which of ['env', 'endless', 'process']) {
      const run = await turnout.ended(await executor.startWorkflow({ name, version: 1, input: { which } }));
      expect(run.status).toBe('FAILED');
      reasons[which] = taskOf(run, which).reasonForIncompletion;
    }
    expect(reasons).toEqual({
      env: 'queryExpression failed: $ENV is not available in the sandbox',
      endless: `queryExpression failed: it did not finish within ${LIMIT_MS} ms (SANDBOX_TIME_LIMIT_MS)`,
      process: "INLINE's expression failed: ReferenceError: 'process' is not defined",
    });
  });
});
