import type { Task, TaskContext } from './task';
import { defineWorker } from './worker-definition';
import { WorkerTask, workerDefinitionsOf } from './worker-task.decorator';

interface Greeting {
  name: string;
}
interface Greeted {
  hw_response: string;
}

const context: TaskContext = { workerId: 'w', redelivered: false, signal: new AbortController().signal, progress: async () => undefined };
const taskWith = <I>(inputData: I): Task<I> => ({
  taskId: 't1',
  taskType: 'hello_world',
  referenceTaskName: 'hello',
  workflowInstanceId: 'wf1',
  workflowType: 'hello_workflow',
  domain: null,
  inputData,
  retryCount: 0,
  scheduledTime: 0,
});

class Greeter {
  constructor(private readonly greeting: string) {}

  @WorkerTask('hello_world', { domain: 'test', concurrency: 3 })
  hello(task: Task<Greeting>): Greeted {
    // `this` is the instance: the runner binds the method.
    return { hw_response: `${this.greeting} ${task.inputData.name}` };
  }

  @WorkerTask('goodbye')
  async goodbye(): Promise<void> {}

  undecorated(): string {
    return 'not a worker';
  }
}

describe('@WorkerTask', () => {
  it('declares each decorated method as a worker, bound to its object, with its options', async () => {
    const definitions = workerDefinitionsOf(new Greeter('Hello'));
    expect(definitions.map(({ taskType, domain, concurrency }) => ({ taskType, domain, concurrency }))).toEqual([
      { taskType: 'hello_world', domain: 'test', concurrency: 3 },
      { taskType: 'goodbye', domain: undefined, concurrency: undefined },
    ]);
    expect(await definitions[0].execute(taskWith({ name: 'Doug' }), context)).toEqual({ hw_response: 'Hello Doug' });
  });

  it('keeps declarations apart per class, and lets a subclass redeclare a method', () => {
    class DougsGreeter extends Greeter {
      @WorkerTask('hello_world', { domain: 'doug' })
      override hello(task: Task<Greeting>): Greeted {
        return { hw_response: `Hello World from Doug's computer, ${task.inputData.name}!` };
      }
    }
    expect(workerDefinitionsOf(new DougsGreeter('Hi')).map((definition) => [definition.taskType, definition.domain])).toEqual([
      ['hello_world', 'doug'],
      ['goodbye', undefined],
    ]);
    expect(workerDefinitionsOf(new Greeter('Hi')).map((definition) => definition.domain)).toEqual(['test', undefined]);
    expect(workerDefinitionsOf({})).toEqual([]);
  });

  it('works as a standard (TC39) decorator too, registering on each instance', async () => {
    const initializers: Array<(this: unknown) => void> = [];
    const method = function (this: { suffix: string }, task: Task<Greeting>): Greeted {
      return { hw_response: `${task.inputData.name}${this.suffix}` };
    };
    const standardContext = {
      kind: 'method',
      name: 'greet',
      static: false,
      private: false,
      access: { has: () => true, get: () => method },
      metadata: {},
      addInitializer: (initializer: (this: unknown) => void) => initializers.push(initializer),
    } as unknown as ClassMethodDecoratorContext<{ suffix: string }, typeof method>;
    WorkerTask('hello_world', { domain: 'standard' })(method, standardContext);

    const instance = { suffix: '!', greet: method };
    for (const initializer of initializers) initializer.call(instance);
    const [definition] = workerDefinitionsOf(instance);
    expect(definition).toMatchObject({ taskType: 'hello_world', domain: 'standard' });
    expect(await definition.execute(taskWith({ name: 'Doug' }), context)).toEqual({ hw_response: 'Doug!' });
  });

  it('refuses a static method', () => {
    const staticContext = { kind: 'method', name: 'run', static: true, addInitializer: () => undefined } as unknown as ClassMethodDecoratorContext;
    expect(() => WorkerTask('hello_world')(() => ({}), staticContext)).toThrow('instance method, not a static one');
  });

  it('types flow through the handler signature (checked by tsc)', () => {
    const worker = defineWorker({
      taskType: 'hello_world',
      execute: (task: Task<Greeting>) => ({ hw_response: `Hello ${task.inputData.name}` }),
    });
    // @ts-expect-error the input type came from the handler: a number is no Task<Greeting>
    void worker.execute(taskWith(42), context);
    const greeted: Promise<Greeted> | Greeted = worker.execute(taskWith({ name: 'Doug' }), context);
    expect(greeted).toEqual({ hw_response: 'Hello Doug' });

    class Wrong {
      // @ts-expect-error a handler returns an object (its outputData), not a string
      @WorkerTask('wrong')
      run(): string {
        return 'no';
      }
    }
    expect(workerDefinitionsOf(new Wrong())).toHaveLength(1);
  });
});
