import { Controller, Get, Header, Inject } from '@nestjs/common';
import { Gauge, prometheusContentType } from 'prom-client';
import type { DataSource } from 'typeorm';
import type { TurnoutConfig } from '@turnout/config';
import { isActiveSighting } from '@turnout/domain';
import { createProcessRegistry } from '@turnout/metrics';
import { listTaskQueues } from '@turnout/metadata';
import { listWorkerPresence } from '@turnout/presence';
import { OpenRoute } from '../auth/api-key.guard';
import { DATA_SOURCE, TURNOUT_CONFIG } from '../api.tokens';
import { TaskQueueBroker } from '../tasks/task-queue-broker';

/**
 * The api's Prometheus metrics: depth of every task queue and the active
 * workers of each task type and domain, beside the process's own. Routing counters and latency are the router's (its own
 * /metrics on ROUTER_METRICS_PORT). Open with API keys set, so Prometheus
 * scrapes it as it is: it shows task type and domain names and counts, no payload.
 */
@Controller('metrics')
@OpenRoute()
export class MetricsController {
  private readonly registry = createProcessRegistry();

  constructor(@Inject(DATA_SOURCE) db: DataSource, @Inject(TURNOUT_CONFIG) config: TurnoutConfig, broker: TaskQueueBroker) {
    new Gauge({
      name: 'turnout_queue_depth',
      help: 'Ready messages in each task queue',
      labelNames: ['queue', 'task_type', 'domain'] as const,
      registers: [this.registry],
      // Read at each scrape; reset first so that a queue no longer listed is no longer reported.
      async collect() {
        const queues = await listTaskQueues(db);
        const depths = await Promise.all(queues.map((queue) => broker.depth(queue.queueName)));
        this.reset();
        queues.forEach((queue, index) =>
          this.set({ queue: queue.queueName, task_type: queue.taskType, domain: queue.domain ?? '' }, depths[index] ?? 0),
        );
      },
    });
    new Gauge({
      name: 'turnout_active_workers',
      help: 'Workers seen within ACTIVE_WORKER_TIMEOUT_MS and not gone, by task type and domain (AMQP and HTTP alike)',
      labelNames: ['task_type', 'domain'] as const,
      registers: [this.registry],
      // The presence table, as routing reads it: a domain with no active worker is where tasks wait or fall back.
      async collect() {
        const now = Date.now();
        const active = new Map<string, { task_type: string; domain: string; count: number }>();
        for (const worker of await listWorkerPresence(db)) {
          const labels = { task_type: worker.taskType, domain: worker.domain ?? '' };
          const key = JSON.stringify(labels);
          const entry = active.get(key) ?? { ...labels, count: 0 };
          if (!worker.gone && isActiveSighting(worker.lastSeenAt, now, config.activeWorkerTimeoutMs)) entry.count += 1;
          active.set(key, entry);
        }
        this.reset();
        for (const { count, ...labels } of active.values()) this.set(labels, count);
      },
    });
  }

  @Get()
  @Header('Content-Type', prometheusContentType)
  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}
