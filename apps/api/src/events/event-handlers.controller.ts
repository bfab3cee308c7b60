import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, Query } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { type EventHandler, eventQueueOf, validateEventHandler } from '@turnout/domain';
import { deleteEventHandler, insertEventHandler, listEventHandlers, updateEventHandler } from '@turnout/metadata';
import { DATA_SOURCE } from '../api.tokens';
import { Conflict, InvalidInput, NotFound } from '../http/api-errors';
import { EventQueueBroker } from './event-queue-broker';

/**
 * Conductor's event handler API. A handler's queue is declared before the
 * handler is stored, so its messages wait from the moment the api answers;
 * the routers pick up what changed within a few seconds.
 */
@Controller('event')
export class EventHandlersController {
  constructor(
    @Inject(DATA_SOURCE) private readonly db: DataSource,
    private readonly queues: EventQueueBroker,
  ) {}

  @Post()
  @HttpCode(200)
  async register(@Body() body: unknown): Promise<void> {
    const handler = await this.checkedWithQueue(body);
    if (!(await insertEventHandler(this.db, handler))) throw new Conflict(`EventHandler with name ${handler.name} already exists!`);
  }

  @Put()
  @HttpCode(200)
  async update(@Body() body: unknown): Promise<void> {
    const handler = await this.checkedWithQueue(body);
    if (!(await updateEventHandler(this.db, handler))) throw new NotFound(`EventHandler with name ${handler.name} not found!`);
  }

  @Get()
  list(): Promise<EventHandler[]> {
    return listEventHandlers(this.db);
  }

  /** The handlers of one event; only the active ones unless `activeOnly=false`, as in Conductor. */
  @Get(':event')
  forEvent(@Param('event') event: string, @Query('activeOnly') activeOnly?: string): Promise<EventHandler[]> {
    return listEventHandlers(this.db, { event, activeOnly: activeOnly !== 'false' });
  }

  @Delete(':name')
  @HttpCode(200)
  async remove(@Param('name') name: string): Promise<void> {
    if (!(await deleteEventHandler(this.db, name))) throw new NotFound(`EventHandler with name ${name} not found!`);
  }

  private async checkedWithQueue(body: unknown): Promise<EventHandler> {
    const handler = validateEventHandler(body);
    if (!handler.ok) throw new InvalidInput(handler.errors);
    const queue = eventQueueOf(handler.value.event);
    // validateEventHandler accepts only events that name a queue.
    if (queue !== null) await this.queues.ensureQueue(queue);
    return handler.value;
  }
}
