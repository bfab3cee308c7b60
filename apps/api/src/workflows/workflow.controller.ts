import { Body, Controller, Get, Header, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { loadWorkflow } from '@turnout/workflow-runs';
import { DATA_SOURCE } from '../api.tokens';
import { NotFound } from '../http/api-errors';
import { StartWorkflowHandler } from './start-workflow.handler';
import { workflowView } from './workflow-view';

@Controller('workflow')
export class WorkflowController {
  constructor(
    @Inject(DATA_SOURCE) private readonly db: DataSource,
    private readonly startWorkflow: StartWorkflowHandler,
  ) {}

  /** Starts a run; answers its id as text/plain, as Conductor does. */
  @Post()
  @HttpCode(200)
  @Header('Content-Type', 'text/plain')
  start(@Body() request: unknown): Promise<string> {
    return this.startWorkflow.start(request);
  }

  /** The run as Conductor shows it, read from its stream (the source of truth, no projection lag). */
  @Get(':workflowId')
  async get(@Param('workflowId') workflowId: string, @Query('includeTasks') includeTasks?: string) {
    const { state } = await loadWorkflow(this.db, workflowId);
    if (state.type === 'Empty') throw new NotFound(`No such workflow found by id: ${workflowId}`);
    return workflowView(state, includeTasks !== 'false');
  }
}
