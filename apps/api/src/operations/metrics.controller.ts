import { Controller, Get, Header, Inject } from '@nestjs/common';
import { Gauge, prometheusContentType } from 'prom-client';
import type { DataSource } from 'typeorm';
import { createProcessRegistry } from '@turnout/metrics';
import { listTaskQueues } from '@turnout/metadata';
import { DATA_SOURCE } from '../api.tokens';
import { TaskQueueBroker } from '../tasks/task-queue-broker';

/**
 * The api's Prometheus metrics: depth of every task queue, beside the
 * process's own. Routing counters and latency are the router's (its own
 * /metrics on ROUTER_METRICS_PORT).
 */
@Controller('metrics')
export class MetricsController {
  private readonly registry = createProcessRegistry();

  constructor(@Inject(DATA_SOURCE) db: DataSource, broker: TaskQueueBroker) {
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
  }

  @Get()
  @Header('Content-Type', prometheusContentType)
  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}
