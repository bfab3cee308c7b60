import { Body, Controller, Get, Header, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import type { DataSource } from 'typeorm';
import type { TurnoutConfig } from '@turnout/config';
import { isActiveSighting, taskQueueName } from '@turnout/domain';
import { listTaskQueues } from '@turnout/metadata';
import { listWorkerPresence } from '@turnout/presence';
import { DATA_SOURCE, TURNOUT_CONFIG } from '../api.tokens';
import { HttpWorkerTasks } from './http-worker-tasks';
import { TaskQueueBroker } from './task-queue-broker';

type PollQuery = { workerid?: unknown; domain?: unknown; count?: unknown; timeout?: unknown };

/** Conductor's task API for HTTP workers, poll data and queue sizes. */
@Controller('tasks')
export class TasksController {
  constructor(
    @Inject(DATA_SOURCE) private readonly db: DataSource,
    @Inject(TURNOUT_CONFIG) private readonly config: TurnoutConfig,
    private readonly tasks: HttpWorkerTasks,
    private readonly broker: TaskQueueBroker,
  ) {}

  /** Always a JSON array, `[]` when nothing came within `timeout` ms. */
  @Get('poll/batch/:taskType')
  batchPoll(@Param('taskType') taskType: string, @Query() query: PollQuery) {
    return this.tasks.poll(HttpWorkerTasks.pollRequest(taskType, { ...query, count: query.count ?? '1' }));
  }

  /** One task, or 204 when the queue is empty. */
  @Get('poll/:taskType')
  async poll(@Param('taskType') taskType: string, @Query() query: PollQuery, @Res({ passthrough: true }) response: Response) {
    const [task] = await this.tasks.poll(HttpWorkerTasks.pollRequest(taskType, { ...query, count: '1', timeout: query.timeout ?? '0' }));
    if (task === undefined) response.status(204);
    return task;
  }

  /** Takes a TaskResult; answers the task id as text/plain, as Conductor does. */
  @Post()
  @HttpCode(200)
  @Header('Content-Type', 'text/plain')
  async update(@Body() body: unknown): Promise<string> {
    const submitted = await this.tasks.submit(body);
    return 'inProgress' in submitted ? submitted.inProgress : submitted.taskId;
  }

  /** Takes a TaskResult and answers the next task of the same type and domain, or 204. */
  @Post('update-v2')
  @HttpCode(200)
  async updateV2(@Body() body: unknown, @Res({ passthrough: true }) response: Response) {
    const submitted = await this.tasks.submit(body);
    const workerId = typeof (body as { workerId?: unknown }).workerId === 'string' ? (body as { workerId: string }).workerId : undefined;
    if ('inProgress' in submitted) {
      response.status(204);
      return undefined;
    }
    const [next] = await this.tasks.poll(
      HttpWorkerTasks.pollRequest(submitted.taskType, { workerid: workerId, domain: submitted.domain ?? undefined, count: '1', timeout: '0' }),
    );
    if (next === undefined) response.status(204);
    return next;
  }

  @Get('queue/polldata/all')
  allPollData() {
    return this.pollData(undefined);
  }

  /** Conductor's PollData per task type, domain and worker, plus `taskType`, `transport` and `active`. */
  @Get('queue/polldata')
  async pollData(@Query('taskType') taskType: string | undefined) {
    const now = Date.now();
    return (await listWorkerPresence(this.db, taskType)).map((row) => ({
      taskType: row.taskType,
      queueName: taskQueueName(row.taskType, row.domain),
      domain: row.domain,
      workerId: row.workerId,
      lastPollTime: row.lastSeenAt,
      transport: row.transport,
      active: !row.gone && isActiveSighting(row.lastSeenAt, now, this.config.activeWorkerTimeoutMs),
    }));
  }

  /** Depth of every queue of the given task types (`hello_world` and `hello_world@doug` alike). */
  @Get('queue/sizes')
  async sizes(@Query('taskType') taskType: string | string[] | undefined) {
    const taskTypes = taskType === undefined ? [] : Array.isArray(taskType) ? taskType : [taskType];
    const depths: Record<string, number> = {};
    for (const type of taskTypes) Object.assign(depths, { [type]: 0 }, await this.depths(type));
    return depths;
  }

  @Get('queue/all')
  all() {
    return this.depths(undefined);
  }

  private async depths(taskType: string | undefined): Promise<Record<string, number>> {
    const depths: Record<string, number> = {};
    for (const queue of await listTaskQueues(this.db, taskType)) depths[queue.queueName] = (await this.broker.depth(queue.queueName)) ?? 0;
    return depths;
  }
}
