import type { Task, TaskContext } from './task';
import type { AnyWorkerDefinition, WorkerOptions } from './worker-definition';

/** The shape a decorated method must have: a handler, typed by its own signature. */
type HandlerMethod<This = unknown> = (this: This, task: Task<never>, context: TaskContext) => object | void | Promise<object | void>;

interface WorkerTaskDeclaration {
  taskType: string;
  options: WorkerOptions;
  methodName: string | symbol;
}

/**
 * Declarations by holder: a class prototype for TypeScript's legacy decorators
 * (`experimentalDecorators`, as NestJS projects use), or an instance for standard
 * decorators, which can only reach the instance as it is constructed.
 */
const declarationsByHolder = new WeakMap<object, WorkerTaskDeclaration[]>();

function declare(holder: object, declaration: WorkerTaskDeclaration): void {
  const earlier = (declarationsByHolder.get(holder) ?? []).filter((known) => known.methodName !== declaration.methodName);
  declarationsByHolder.set(holder, [...earlier, declaration]);
}

function isMethodContext(value: unknown): value is ClassMethodDecoratorContext {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'method';
}

/**
 * Makes a method the handler of a task type, as Conductor's `@WorkerTask` does:
 *
 *     class Greeter {
 *       @WorkerTask('hello_world', { domain: 'test' })
 *       hello(task: Task<{ name: string }>): { hw_response: string } { ... }
 *     }
 *     new TaskRunner({ amqpUrl, workers: [new Greeter()] });
 *
 * The method's signature types the task's input and output. Works with legacy
 * (`experimentalDecorators`) and standard decorators alike.
 */
export function WorkerTask(taskType: string, options: WorkerOptions = {}) {
  function decorate<T extends HandlerMethod>(target: object, methodName: string | symbol, descriptor: TypedPropertyDescriptor<T>): void;
  function decorate<This, T extends HandlerMethod<This>>(method: T, context: ClassMethodDecoratorContext<This, T>): void;
  function decorate(targetOrMethod: unknown, nameOrContext: unknown): void {
    if (isMethodContext(nameOrContext)) {
      if (nameOrContext.static) throw new Error(`@WorkerTask('${taskType}') belongs on an instance method, not a static one`);
      const methodName = nameOrContext.name;
      nameOrContext.addInitializer(function (this: unknown) {
        declare(this as object, { taskType, options, methodName });
      });
      return;
    }
    declare(targetOrMethod as object, { taskType, options, methodName: nameOrContext as string | symbol });
  }
  return decorate;
}

/** The workers an object declares with `@WorkerTask`, each bound to the object. */
export function workerDefinitionsOf(instance: object): AnyWorkerDefinition[] {
  const seen = new Set<string | symbol>();
  const definitions: AnyWorkerDefinition[] = [];
  // From the instance up the prototype chain: a subclass's declaration of a method overrides its parent's.
  for (let holder: object | null = instance; holder !== null && holder !== Object.prototype; holder = Object.getPrototypeOf(holder)) {
    for (const { taskType, options, methodName } of declarationsByHolder.get(holder) ?? []) {
      if (seen.has(methodName)) continue;
      seen.add(methodName);
      const method: unknown = (instance as Record<string | symbol, unknown>)[methodName];
      if (typeof method !== 'function') throw new Error(`@WorkerTask('${taskType}') is on ${String(methodName)}, which is not a method`);
      definitions.push({ taskType, ...options, execute: method.bind(instance) });
    }
  }
  return definitions;
}
