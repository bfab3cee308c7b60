/**
 * Doug's copy of the hello_world worker, from Conductor's "Using Task to Domain"
 * walkthrough: a fixed version run on a laptop next to production. Its runner
 * maps hello_world to the domain `doug`, so it polls `hello_world@doug` only and
 * takes just the runs started with `"taskToDomain": {"hello_world": "doug"}`.
 * Everything else keeps going to the production workers.
 *
 *     npm run example:doug
 *     CONDUCTOR_WORKER_HELLO_WORLD_DOMAIN=doug_v2 npm run example:doug   # the environment wins
 */
import { type Task, TaskRunner, defineWorker } from '@turnout/worker';
import { AMQP_URL, exampleTaskType, exitOnStartFailure } from '../example-environment';

interface HelloWorldInput {
  name?: string;
}

interface HelloWorldOutput {
  hw_response: string;
}

const helloWorld = exampleTaskType('hello_world');

const dougsHelloWorld = defineWorker({
  taskType: helloWorld,
  execute: (task: Task<HelloWorldInput>): HelloWorldOutput => ({
    hw_response: `Hello ${task.inputData.name ?? 'World'} from Doug's computer!`,
  }),
});

const runner = new TaskRunner({
  amqpUrl: AMQP_URL,
  workers: [dougsHelloWorld],
  taskToDomain: { [helloWorld]: 'doug' },
  handleSignals: true,
});
runner.start().catch(exitOnStartFailure);
