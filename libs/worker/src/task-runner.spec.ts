import { TaskRunner } from './task-runner';
import { defineWorker } from './worker-definition';
import { WorkerDomainError } from './worker-domain';

// Nothing listens here: a runner that tried to connect would fail with ECONNREFUSED instead.
const UNREACHABLE_BROKER = 'amqp://guest:guest@127.0.0.1:1';

const hello = defineWorker({ taskType: 'hello_world', execute: () => ({ hw_response: 'Hello World!' }) });

describe('TaskRunner, before it connects', () => {
  it('refuses a list or NO_DOMAIN at start, before connecting anything, and says why', async () => {
    const logged: string[] = [];
    const runner = new TaskRunner({
      amqpUrl: UNREACHABLE_BROKER,
      workers: [hello, defineWorker({ taskType: 'send_email', execute: () => ({}) })],
      environment: { CONDUCTOR_WORKER_SEND_EMAIL_DOMAIN: 'tenant_x,NO_DOMAIN' },
      log: (message) => logged.push(message),
    });
    await expect(runner.start()).rejects.toThrow(WorkerDomainError);
    await expect(runner.start()).rejects.toThrow('worker for send_email: domain "tenant_x,NO_DOMAIN" (from env CONDUCTOR_WORKER_SEND_EMAIL_DOMAIN) is a list');
    expect(runner.taskWorkers).toHaveLength(0);
    expect(logged).toEqual([]);
  });

  it('refuses a worker id Turnout cannot record (over 255 bytes), before connecting anything', async () => {
    const runner = new TaskRunner({ amqpUrl: UNREACHABLE_BROKER, workers: [hello], workerId: 'w'.repeat(256), environment: {}, log: () => undefined });
    await expect(runner.start()).rejects.toThrow('worker for hello_world: workerId is 256 bytes; a worker id may have 255');
    expect(runner.taskWorkers).toHaveLength(0);
  });

  it('refuses a task type whose default queue name would pass 255 bytes, before connecting anything', async () => {
    const long = defineWorker({ taskType: 'x'.repeat(256), execute: () => ({}) });
    const runner = new TaskRunner({ amqpUrl: UNREACHABLE_BROKER, workers: [long], environment: {}, log: () => undefined });
    await expect(runner.start()).rejects.toThrow(/: queue name "x+…" is 256 bytes; RabbitMQ allows 255$/);
  });

  it('refuses two workers for one task type', () => {
    expect(() => new TaskRunner({ amqpUrl: UNREACHABLE_BROKER, workers: [hello, { ...hello }] })).toThrow(
      'two workers for hello_world: a runner runs one worker per task type',
    );
  });

  it('refuses an object that declares no worker', () => {
    class NotAWorker {}
    expect(() => new TaskRunner({ amqpUrl: UNREACHABLE_BROKER, workers: [new NotAWorker()] })).toThrow(
      'NotAWorker: neither a worker definition',
    );
  });

  it('logs the decision, then fails on the unreachable broker without leaving a worker behind', async () => {
    const logged: string[] = [];
    const runner = new TaskRunner({
      amqpUrl: UNREACHABLE_BROKER,
      workers: [hello],
      taskToDomain: { hello_world: 'doug', other_task: 'x' },
      environment: {},
      log: (message) => logged.push(message),
    });
    await expect(runner.start()).rejects.toThrow(/ECONNREFUSED/);
    expect(runner.assignments).toEqual([
      { taskType: 'hello_world', domain: 'doug', queueName: 'hello_world@doug', rule: 'RUNNER_TASK_TO_DOMAIN', source: `the runner's taskToDomain["hello_world"]`, concurrency: 1 },
    ]);
    expect(logged).toContain(`hello_world polls hello_world@doug (domain doug; rule RUNNER_TASK_TO_DOMAIN: the runner's taskToDomain["hello_world"]; concurrency 1)`);
    expect(logged).toContain('taskToDomain names other_task, which no worker of this runner handles; ignored');
    expect(runner.taskWorkers).toHaveLength(0);
  });
});
