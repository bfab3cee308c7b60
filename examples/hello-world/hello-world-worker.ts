/**
 * The production hello_world worker of Conductor's "Using Task to Domain"
 * walkthrough. It declares no domain, so it polls the default queue `hello_world`
 * and takes every run that names no domain for hello_world.
 *
 *     npm run example:hello-world
 */
import { TaskRunner, WorkerTask } from '@turnout/worker';
import { AMQP_URL, exampleTaskType, exitOnStartFailure } from '../example-environment';

interface HelloWorldOutput {
  hw_response: string;
}

class HelloWorldWorker {
  @WorkerTask(exampleTaskType('hello_world'))
  helloWorld(): HelloWorldOutput {
    return { hw_response: 'Hello World!' };
  }
}

const runner = new TaskRunner({ amqpUrl: AMQP_URL, workers: [new HelloWorldWorker()], handleSignals: true });
runner.start().catch(exitOnStartFailure);
