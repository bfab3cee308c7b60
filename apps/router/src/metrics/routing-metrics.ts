import type { Server } from 'node:http';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import type { TurnoutConfig } from '@turnout/config';
import { messageOf, type WorkflowEvent } from '@turnout/domain';
import { createProcessRegistry, serveMetrics } from '@turnout/metrics';
import { TURNOUT_CONFIG } from '../router.tokens';

/**
 * What the router decides, for Prometheus: tasks routed by task type, domain
 * and rule, how long a message took from receipt to its events appended, and
 * the results of superseded attempts, beside the process's own metrics.
 * Served on ROUTER_METRICS_PORT: each router is scraped on its own.
 */
@Injectable()
export class RoutingMetrics implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RoutingMetrics.name);
  private readonly registry = createProcessRegistry();
  private readonly routed = new Counter({
    name: 'turnout_tasks_routed_total',
    help: 'Tasks scheduled, by task type, domain and routing rule',
    labelNames: ['task_type', 'domain', 'rule'] as const,
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: 'turnout_routing_seconds',
    help: 'From a message reaching the router to its events appended (decide, routing, append)',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  private readonly supersededResults = new Counter({
    name: 'turnout_superseded_results_total',
    help: 'Results that came for an attempt already superseded (cancelled, timed out, or its run ended), by task type: recorded nowhere else',
    labelNames: ['task_type'] as const,
    registers: [this.registry],
  });
  private server?: Server;

  constructor(@Inject(TURNOUT_CONFIG) private readonly config: TurnoutConfig) {}

  record(events: readonly WorkflowEvent[], startedAt: number): void {
    let scheduled = false;
    for (const event of events) {
      if (event.type !== 'TaskScheduled') continue;
      scheduled = true;
      this.routed.inc({ task_type: event.data.taskType, domain: event.data.domain ?? '', rule: event.data.routing.rule });
    }
    if (scheduled) this.latency.observe((performance.now() - startedAt) / 1000);
  }

  /** The port /metrics is served on, or null when it could not be bound. */
  servedPort(): number | null {
    const address = this.server?.address();
    return typeof address === 'object' && address !== null ? address.port : null;
  }

  recordSupersededResult(taskType: string): void {
    this.supersededResults.inc({ task_type: taskType });
  }

  async onApplicationBootstrap(): Promise<void> {
    try {
      this.server = await serveMetrics(this.registry, this.config.routerMetricsPort);
    } catch (error) {
      // Metrics are worth a warning, not a router: a taken port does not stop routing.
      this.logger.warn(`metrics not served on port ${this.config.routerMetricsPort}: ${messageOf(error)}`);
      return;
    }
    const address = this.server.address();
    if (typeof address === 'object' && address !== null) this.logger.log(`metrics on http://127.0.0.1:${address.port}/metrics`);
  }

  async onApplicationShutdown(): Promise<void> {
    await new Promise((resolve) => (this.server ? this.server.close(resolve) : resolve(undefined)));
  }
}
