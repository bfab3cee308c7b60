import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import type { DataSource } from 'typeorm';
import { OpenRoute } from '../auth/api-key.guard';
import { DATA_SOURCE } from '../api.tokens';
import { TaskQueueBroker } from '../tasks/task-queue-broker';

/** Open with API keys set (a balancer probes it). UP when PostgreSQL and RabbitMQ both answer; 503 otherwise, saying which did not. */
@Controller('health')
@OpenRoute()
export class HealthController {
  constructor(
    @Inject(DATA_SOURCE) private readonly db: DataSource,
    private readonly broker: TaskQueueBroker,
  ) {}

  @Get()
  async health(@Res({ passthrough: true }) response: Response) {
    const postgres = await this.db.query('select 1').then(
      () => 'UP',
      () => 'DOWN',
    );
    const rabbitmq = (await this.broker.isReachable()) ? 'UP' : 'DOWN';
    const status = postgres === 'UP' && rabbitmq === 'UP' ? 'UP' : 'DOWN';
    response.status(status === 'UP' ? 200 : 503);
    return { status, components: { postgres: { status: postgres }, rabbitmq: { status: rabbitmq } } };
  }
}
