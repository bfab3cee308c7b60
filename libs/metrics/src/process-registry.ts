import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * A metrics registry of the process's own, holding Node's default process
 * metrics (CPU, memory, event-loop lag, GC) beside whatever the app adds.
 * Not prom-client's global registry: tests that start several apps in one
 * Jest process would register the same metric names twice.
 */
export function createProcessRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}
