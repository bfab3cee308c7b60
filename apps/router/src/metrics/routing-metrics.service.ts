import { createServer, type Server } from 'node:http';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { TurnoutConfig } from '@turnout/config';
import type { WorkflowEvent } from '@turnout/domain';
import { Counter, Histogram, MetricsRegistry, PROMETHEUS_CONTENT_TYPE } from '@turnout/metrics';
import { TURNOUT_CONFIG } from '../router.tokens';

/**
 * What the router decides, for Prometheus: tasks routed by task type, domain
 * and rule, and how long a message took from receipt to its events appended.
 * Served on ROUTER_METRICS_PORT: each router is scraped on its own.
 */
@Injectable()
export class RoutingMetrics implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RoutingMetrics.name);
  private readonly registry = new MetricsRegistry();
  private readonly routed = this.registry.register(
    new Counter('turnout_tasks_routed_total', 'Tasks scheduled, by task type, domain and routing rule'),
  );
  private readonly latency = this.registry.register(
    new Histogram('turnout_routing_seconds', 'From a message reaching the router to its events appended (decide, routing, append)', [
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1,
    ]),
  );
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

  onApplicationBootstrap(): void {
    this.server = createServer((request, response) => {
      if (request.url !== '/metrics') {
        response.writeHead(404).end();
        return;
      }
      void this.registry.render().then((text) => response.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE }).end(text));
    });
    // Metrics are worth a warning, not a router: a taken port does not stop routing.
    this.server.on('error', (error) => this.logger.warn(`metrics not served on port ${this.config.routerMetricsPort}: ${error.message}`));
    this.server.listen(this.config.routerMetricsPort, () => {
      const address = this.server?.address();
      if (typeof address === 'object' && address !== null) this.logger.log(`metrics on http://127.0.0.1:${address.port}/metrics`);
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await new Promise((resolve) => (this.server ? this.server.close(resolve) : resolve(undefined)));
  }
}
