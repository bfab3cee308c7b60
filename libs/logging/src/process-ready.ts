import type { TurnoutConfig } from '@turnout/config';

/**
 * What a Turnout process tells the `npm start` script that ran it
 * (scripts/start.mjs), over Node's IPC channel, once it serves: the script
 * waits for both before saying where everything is.
 */
export type ProcessReady =
  | { kind: 'turnout.process-ready'; app: 'api'; port: number }
  /** null: the metrics port could not be bound (a warning, not a stop). */
  | { kind: 'turnout.process-ready'; app: 'router'; metricsPort: number | null };

/** Tells the parent process, when there is one listening; a process started otherwise says nothing. */
export function announceReady(ready: ProcessReady): void {
  if (process.send !== undefined && process.connected) process.send(ready);
}

export function isProcessReady(message: unknown): message is ProcessReady {
  return typeof message === 'object' && message !== null && (message as { kind?: unknown }).kind === 'turnout.process-ready';
}

/** Where a newcomer finds Turnout once `npm start` has it up. */
export interface TurnoutAddresses {
  api: string;
  ui: string;
  health: string;
  apiMetrics: string;
  routerMetrics: string | null;
}

export function turnoutAddresses(apiPort: number, routerMetricsPort: number | null): TurnoutAddresses {
  const api = `http://127.0.0.1:${apiPort}`;
  return {
    api: `${api}/api`,
    ui: `${api}/ui/`,
    health: `${api}/health`,
    apiMetrics: `${api}/metrics`,
    routerMetrics: routerMetricsPort === null ? null : `http://127.0.0.1:${routerMetricsPort}/metrics`,
  };
}

/** The one short block `npm start` prints when both processes are up: text for people, or one JSON line among the others. */
export function startupSummary(addresses: TurnoutAddresses, format: TurnoutConfig['logFormat'], now = new Date()): string {
  switch (format) {
    case 'json':
      return JSON.stringify({ level: 'info', time: now.toISOString(), app: 'turnout', component: 'start', msg: 'Turnout is up', ...addresses });
    case 'text':
      return [
        'Turnout is up',
        `  api      ${addresses.api}`,
        `  web UI   ${addresses.ui}`,
        `  metrics  ${addresses.apiMetrics} (api: queue depths, active workers)`,
        `           ${addresses.routerMetrics ?? '(not served: see the router warning above)'} (router: tasks routed, routing latency)`,
        `  health   ${addresses.health}`,
      ].join('\n');
    default: {
      const unknownFormat: never = format;
      throw new Error(`unknown log format ${String(unknownFormat)}`);
    }
  }
}
