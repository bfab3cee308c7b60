import { randomUUID } from 'node:crypto';
import { Body, Controller, Get, Header, HttpCode, Inject, Logger, type OnApplicationShutdown, Param, Post, Query } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { TurnoutConfig } from '@turnout/config';
import { isRecord } from '@turnout/domain';
import { loadWorkflow } from '@turnout/workflow-runs';
import { searchWorkflowSummaries } from '@turnout/workflow-search';
import { DATA_SOURCE, TURNOUT_CONFIG } from '../api.tokens';
import { InvalidInput, NotFound } from '../http/api-errors';
import { parseVersion } from '../metadata/metadata.controller';
import { AppendsHeard } from './appends-heard';
import { StartWorkflowHandler } from './start-workflow.handler';
import { type ExecutionAnswer, awaitExecution, executionWaitOf } from './workflow-execution';
import { workflowSearchOf } from './workflow-search-request';
import { searchResultView } from './workflow-summary-view';
import { workflowView } from './workflow-view';

@Controller('workflow')
export class WorkflowController implements OnApplicationShutdown {
  /** Heard by the synchronous executes only: its LISTEN session opens with the first. */
  private readonly appends: AppendsHeard;

  constructor(
    @Inject(DATA_SOURCE) private readonly db: DataSource,
    @Inject(TURNOUT_CONFIG) config: TurnoutConfig,
    private readonly startWorkflow: StartWorkflowHandler,
  ) {
    const logger = new Logger('WorkflowExecute');
    this.appends = new AppendsHeard(config.databaseUrl, (problem) => logger.warn(problem));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.appends.end();
  }

  /** Starts a run; answers its id as text/plain, as Conductor does. */
  @Post()
  @HttpCode(200)
  @Header('Content-Type', 'text/plain')
  start(@Body() request: unknown): Promise<string> {
    return this.startWorkflow.start(request);
  }

  /**
   * Conductor's synchronous execute: starts a run from the StartWorkflowRequest
   * (its name and version are the path's; version 0 is the latest) and answers
   * once the run has ended, a task named in `waitUntilTaskRef` (comma-separated)
   * has ended, or a WAIT task waits for a signal, or at `waitForSeconds`
   * (default 10) with the run as it is and `signalTimeout`; in the shape
   * `returnStrategy` asks for (default TARGET_WORKFLOW).
   */
  @Post('execute/:name/:version')
  @HttpCode(200)
  async execute(
    @Param('name') name: string,
    @Param('version') version: string,
    @Query() query: Record<string, unknown>,
    @Body() body: unknown,
  ): Promise<ExecutionAnswer> {
    const request = body ?? {};
    if (!isRecord(request)) throw new InvalidInput([{ path: 'body', message: 'must be a StartWorkflowRequest object' }]);
    const wait = executionWaitOf(query, randomUUID);
    const parsedVersion = version === '0' ? undefined : parseVersion(version);
    const workflowId = await this.startWorkflow.start({ ...request, name, version: parsedVersion ?? null });
    return awaitExecution(this.db, this.appends, workflowId, wait);
  }

  /**
   * Conductor's start by name: the body is the run's input; no taskToDomain,
   * as in Conductor. `priority` (0-99) is checked and has no effect: Turnout's
   * queues have no priorities. Answers the run's id as text/plain.
   */
  @Post(':name')
  @HttpCode(200)
  @Header('Content-Type', 'text/plain')
  startByName(
    @Param('name') name: string,
    @Body() body: unknown,
    @Query('version') version?: string,
    @Query('correlationId') correlationId?: unknown,
    @Query('priority') priority?: unknown,
  ): Promise<string> {
    const input = body ?? {};
    if (!isRecord(input)) throw new InvalidInput([{ path: 'body', message: 'must be an object: the input of the run' }]);
    if (correlationId !== undefined && typeof correlationId !== 'string') throw new InvalidInput([{ path: 'correlationId', message: 'must be given once' }]);
    if (priority !== undefined && !(typeof priority === 'string' && /^\d{1,2}$/.test(priority))) {
      throw new InvalidInput([{ path: 'priority', message: 'must be a whole number from 0 to 99' }]);
    }
    return this.startWorkflow.start({ name, version: parseVersion(version) ?? null, correlationId: correlationId ?? null, input });
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
