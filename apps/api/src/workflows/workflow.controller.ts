import { Body, Controller, Get, Header, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { loadWorkflow } from '@turnout/workflow-runs';
import { searchWorkflowSummaries } from '@turnout/workflow-search';
import { DATA_SOURCE } from '../api.tokens';
import { NotFound } from '../http/api-errors';
import { StartWorkflowHandler } from './start-workflow.handler';
import { workflowSearchOf } from './workflow-search-request';
import { searchResultView } from './workflow-summary-view';
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

  /**
   * Conductor's search, from the summaries projection (a moment behind the log),
   * plus Turnout's `domain`: the runs with a task waiting there. Declared before
   * GET :workflowId, which would otherwise take "search" for an id.
   */
  @Get('search')
  async search(@Query() parameters: Record<string, unknown>) {
    return searchResultView(await searchWorkflowSummaries(this.db, workflowSearchOf(parameters)));
  }

  /** The run as Conductor shows it, read from its stream (the source of truth, no projection lag). */
  @Get(':workflowId')
  async get(@Param('workflowId') workflowId: string, @Query('includeTasks') includeTasks?: string) {
    const { state } = await loadWorkflow(this.db, workflowId);
    if (state.type === 'Empty') throw new NotFound(`No such workflow found by id: ${workflowId}`);
    return workflowView(state, includeTasks !== 'false');
  }
}
