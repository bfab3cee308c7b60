import { Controller, Get, Header, Inject } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { Gauge, MetricsRegistry, PROMETHEUS_CONTENT_TYPE } from '@turnout/metrics';
import { listTaskQueues } from '@turnout/metadata';
import { DATA_SOURCE } from '../api.tokens';
import { TaskQueueBroker } from '../tasks/task-queue-broker';

/**
 * The api's Prometheus metrics: depth of every task queue. Routing counters
 * and latency are the router's (its own /metrics on ROUTER_METRICS_PORT).
 */
@Controller('metrics')
export class MetricsController {
  private readonly registry = new MetricsRegistry();

  constructor(@Inject(DATA_SOURCE) db: DataSource, broker: TaskQueueBroker) {
    this.registry.register(
      new Gauge('turnout_queue_depth', 'Ready messages in each task queue', async () => {
        const queues = await listTaskQueues(db);
        const depths = await Promise.all(queues.map((queue) => broker.depth(queue.queueName)));
        return queues.map((queue, index) => ({
          labels: { queue: queue.queueName, task_type: queue.taskType, domain: queue.domain ?? '' },
          value: depths[index] ?? 0,
        }));
      }),
    );
  }

  @Get()
  @Header('Content-Type', PROMETHEUS_CONTENT_TYPE)
  metrics(): Promise<string> {
    return this.registry.render();
  }
}
