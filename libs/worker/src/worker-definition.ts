import type { TaskHandler } from './task';

/** How a worker is declared where it is written; a TaskRunner decides the rest. */
export interface WorkerOptions {
  /**
   * The domain this worker polls unless configuration says otherwise (rule 4 of
   * resolveWorkerDomain): env settings and the runner's taskToDomain come first.
   */
  domain?: string | null;
  /** Tasks of this type run at once (default 1); the broker's prefetch follows it. */
  concurrency?: number;
}

/** A worker as a plain object: one task type and its handler. */
export interface WorkerDefinition<I, O extends object | void> extends WorkerOptions {
  taskType: string;
  execute: TaskHandler<I, O>;
}

/**
 * Any worker definition, whatever its input and output. `any` here only erases the
 * types for the runner's list; each definition was checked where it was written.
 */
export type AnyWorkerDefinition = WorkerDefinition<any, any>;

/**
 * Declares a plain-object worker; it exists so that the input and output types
 * flow from the handler: `defineWorker({ taskType, execute: (task: Task<In>) => out })`.
 */
export function defineWorker<I, O extends object | void>(definition: WorkerDefinition<I, O>): WorkerDefinition<I, O> {
  return definition;
}

export function isWorkerDefinition(value: unknown): value is AnyWorkerDefinition {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<AnyWorkerDefinition>).taskType === 'string' &&
    typeof (value as Partial<AnyWorkerDefinition>).execute === 'function'
  );
}
