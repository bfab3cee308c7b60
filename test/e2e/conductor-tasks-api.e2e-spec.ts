/**
 * Conductor's task and workflow queries on the real servers, mostly through
 * Conductor's JavaScript SDK, unmodified: a task by id, completing a task by
 * its reference, task logs, task search; runs by correlation id, the running
 * list, a run's paged task list, and removing a run.
 */
import { MetadataClient, TaskClient, WorkflowExecutor, orkesConductorClient } from '@io-orkes/conductor-javascript';
import { uniqueName } from '../support/services';
import { turnoutForSuite } from '../support/turnout-fixture';
import { waitFor } from '../support/wait-for';

describe("Conductor's task and workflow queries against Turnout", () => {
  const turnout = turnoutForSuite('e2e_tasks_api');

  // The SDK's resource-level calls (the running list, runs by correlation id) warn on each use that they are its legacy API.
  beforeAll(() => {
    const warn = console.warn.bind(console);
    jest.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
      if (!String(args[0]).includes('[Conductor SDK Legacy API]')) warn(...args);
    });
  });
  afterAll(() => jest.restoreAllMocks());

  const sdk = async () => {
    const client = await orkesConductorClient({ serverUrl: `${turnout.api.baseUrl}/api` });
    return { client, metadata: new MetadataClient(client), executor: new WorkflowExecutor(client), tasks: new TaskClient(client) };
  };

  /** A workflow of SIMPLE tasks with reference names `<name>_ref`, registered through the SDK; nothing polls them. */
  const registerWorkflow = async (metadata: MetadataClient, taskTypes: string[]) => {
    const name = uniqueName('tasks_api_flow');
    for (const taskType of taskTypes) {
      await metadata.registerTask({ name: taskType, retryCount: 0, timeoutSeconds: 0, responseTimeoutSeconds: 600, totalTimeoutSeconds: 0 } as Parameters<MetadataClient['registerTask']>[0]);
    }
    await metadata.registerWorkflowDef(
      {
        name,
        version: 1,
        schemaVersion: 2,
        inputParameters: [],
        tasks: taskTypes.map((taskType) => ({ name: taskType, taskReferenceName: `${taskType}_ref`, type: 'SIMPLE', inputParameters: { n: '${workflow.input.n}' } })),
        timeoutSeconds: 0,
      } as unknown as Parameters<MetadataClient['registerWorkflowDef']>[0],
      true,
    );
    return name;
  };

  it('finds a task by id, logs to it, completes it by reference, and searches tasks', async () => {
    const { metadata, executor, tasks } = await sdk();
    const [pick, pack] = [uniqueName('tasks_api_pick'), uniqueName('tasks_api_pack')];
    const name = await registerWorkflow(metadata, [pick, pack]);
    const workflowId = await executor.startWorkflow({ name, version: 1, input: { n: 7 } });
    const firstTaskId = (await executor.getWorkflow(workflowId, true)).tasks![0].taskId!;

    // The task-summaries projection says which run holds the task: a moment behind the log.
    const task = await waitFor('the task by id', () => tasks.getTask(firstTaskId).catch(() => undefined));
    expect(task).toMatchObject({ taskId: firstTaskId, taskType: pick, referenceTaskName: `${pick}_ref`, status: 'SCHEDULED', workflowInstanceId: workflowId, inputData: { n: 7 } });
    expect((await turnout.api.request('GET', '/api/tasks/no-such-task')).status).toBe(404);

    await tasks.addTaskLog(firstTaskId, 'picking started');
    await tasks.addTaskLog(firstTaskId, 'picked "3" items');
    const logs = await tasks.getTaskLogs(firstTaskId);
    expect(logs.map(({ taskId, log }) => ({ taskId, log }))).toEqual([
      { taskId: firstTaskId, log: 'picking started' },
      { taskId: firstTaskId, log: 'picked "3" items' },
    ]);
    expect(logs.every((entry) => typeof entry.createdTime === 'number' && entry.createdTime > 0)).toBe(true);
    expect((await turnout.api.request('POST', `/api/tasks/${firstTaskId}/log`, { not: 'a string' })).status).toBe(400);

    // By reference: the body is the output, decided at once (the run shows it on the next read).
    const completedId = await executor.updateTaskByRefName(`${pick}_ref`, workflowId, 'COMPLETED', { picked: 3 });
    expect(completedId).toBe(firstTaskId);
    const afterPick = await executor.getWorkflow(workflowId, true);
    expect(afterPick.tasks!.map((t) => [t.referenceTaskName, t.status])).toEqual([
      [`${pick}_ref`, 'COMPLETED'],
      [`${pack}_ref`, 'SCHEDULED'],
    ]);
    expect(afterPick.tasks![0].outputData).toEqual({ picked: 3 });

    const refused = await turnout.api.request('POST', `/api/tasks/${workflowId}/${pack}_ref/SKIPPED`, {});
    expect(refused.status).toBe(400);
    expect((await turnout.api.request('POST', `/api/tasks/${workflowId}/no_such_ref/COMPLETED`, {})).status).toBe(404);
    expect((await turnout.api.request('POST', `/api/tasks/no-such-run/${pack}_ref/COMPLETED`, {})).status).toBe(404);

    const found = await waitFor('both attempts in task search', async () => {
      const result = await tasks.search(0, 10, '', '*', `workflowId = ${workflowId}`);
      return result.totalHits === 2 && result.results![1].status === 'COMPLETED' ? result : undefined;
    });
    expect(found.results!.map((summary) => [summary.taskType, summary.status])).toEqual([
      [pack, 'SCHEDULED'],
      [pick, 'COMPLETED'],
    ]);
    expect(found.results![1]).toMatchObject({ taskId: firstTaskId, workflowId, workflowType: name, taskDefName: pick });
    expect(typeof found.results![1].endTime).toBe('string');
    const byType = await tasks.search(0, 10, '', pack, 'status IN (SCHEDULED, IN_PROGRESS)');
    expect(byType.results!.map((summary) => summary.workflowId)).toEqual([workflowId]);
    expect((await turnout.api.request('GET', '/api/tasks/search?query=status%20%3D%20RUNNING')).status).toBe(400);

    // TaskClient.updateTaskResult sends {outputData}: Conductor takes the body as the output, and so does Turnout.
    await tasks.updateTaskResult(workflowId, `${pack}_ref`, 'COMPLETED', { packed: true });
    const ended = await turnout.ended(workflowId);
    expect(ended.status).toBe('COMPLETED');
    expect(ended.tasks[1].outputData).toEqual({ outputData: { packed: true } });
  });

  it('lists runs by correlation id and running, pages a run’s tasks, and removes ended runs', async () => {
    const { client, metadata, executor } = await sdk();
    const [first, second] = [uniqueName('tasks_api_one'), uniqueName('tasks_api_two')];
    const name = await registerWorkflow(metadata, [first, second]);
    const correlationId = uniqueName('order');
    const start = () => executor.startWorkflow({ name, version: 1, input: { n: 1 }, correlationId });
    const [running, paused, terminated, archived] = [await start(), await start(), await start(), await start()];
    await executor.pause(paused);
    await executor.terminate(terminated, 'not needed');
    await executor.terminate(archived, 'not needed either');
    await executor.updateTaskByRefName(`${first}_ref`, running, 'COMPLETED', {});

    // The search projection finds the runs: wait until it has seen the terminations.
    const runningIds = await waitFor('the running list without the terminated runs', async () => {
      const ids: string[] = await client.workflowResource.getRunningWorkflow(name, 1);
      return ids.length === 2 ? ids : undefined;
    });
    // Oldest first; runs started in the same ms come in id order, so compared as sets.
    expect([...runningIds].sort()).toEqual([running, paused].sort());
    expect(await client.workflowResource.getRunningWorkflow(name, 2)).toEqual([]);
    const now = Date.now();
    expect(await client.workflowResource.getRunningWorkflow(name, 1, now + 60_000, now + 120_000)).toEqual([]);

    const open = await client.workflowResource.getWorkflows1(name, correlationId, false, false);
    expect(Object.fromEntries(open.map((run) => [run.workflowId, run.status]))).toEqual({ [running]: 'RUNNING', [paused]: 'PAUSED' });
    expect(open.every((run) => run.tasks?.length === 0)).toBe(true);
    const all = await client.workflowResource.getWorkflows1(name, correlationId, true, true);
    expect(all.map((run) => run.workflowId).sort()).toEqual([running, paused, terminated, archived].sort());
    expect(all.find((run) => run.workflowId === running)?.tasks?.map((task) => task.status)).toEqual(['COMPLETED', 'SCHEDULED']);

    const page = await turnout.api.request('GET', `/api/workflow/${running}/tasks?start=1&count=1`);
    expect(page.status).toBe(200);
    expect(page.body.totalHits).toBe(2);
    expect(page.body.results.map((task: { referenceTaskName: string }) => task.referenceTaskName)).toEqual([`${second}_ref`]);
    expect(page.body.summary).toEqual({ COMPLETED: 1, SCHEDULED: 1 });
    const completedOnly = await turnout.api.request('GET', `/api/workflow/${running}/tasks?status=COMPLETED,FAILED`);
    expect(completedOnly.body.results.map((task: { status: string }) => task.status)).toEqual(['COMPLETED']);
    expect((await turnout.api.request('GET', '/api/workflow/no-such-run/tasks')).status).toBe(404);

    // A run that has not ended is refused; an ended one is gone, its summary kept only when archived.
    await expect(executor.deleteWorkflow(running, false)).rejects.toThrow();
    expect((await turnout.api.request('DELETE', `/api/workflow/${running}/remove`)).status).toBe(409);
    await executor.deleteWorkflow(terminated, false);
    await executor.deleteWorkflow(archived, true);
    for (const removed of [terminated, archived]) {
      expect((await turnout.api.request('GET', `/api/workflow/${removed}`)).status).toBe(404);
      expect(await turnout.eventsOf(removed)).toEqual([]);
    }
    expect((await turnout.api.request('DELETE', `/api/workflow/${terminated}/remove`)).status).toBe(404);
    const searched = await executor.search(0, 10, `correlationId = ${correlationId}`, '*');
    expect(searched.results!.map((summary) => summary.workflowId).sort()).toEqual([running, paused, archived].sort());
    const afterRemoval = await client.workflowResource.getWorkflows1(name, correlationId, true, false);
    expect(afterRemoval.map((run) => run.workflowId).sort()).toEqual([running, paused].sort());
  });
});
