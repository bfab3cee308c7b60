import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, Query } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { type FieldError, type TaskDef, type WorkflowDef, isRecord, validateTaskDefs, validateWorkflowDef } from '@turnout/domain';
import {
  deleteTaskDefinition,
  deleteWorkflowDefinition,
  findBlueprint,
  findTaskDefinitions,
  findWorkflowDefinition,
  listTaskDefinitions,
  listWorkflowDefinitions,
  saveTaskDefinitions,
  saveWorkflowDefinition,
  updateTaskDefinition,
} from '@turnout/metadata';
import { Conflict, InvalidInput, NotFound } from '../http/api-errors';
import { DATA_SOURCE } from '../api.tokens';
import { WorkflowDefinitionCache } from './workflow-definition-cache';

/**
 * Conductor's metadata API: task and workflow definitions. Every write clears
 * this api's definition cache, so its next start reads what was written; another
 * api instance reads it within DEFINITION_FRESH_FOR_MS.
 */
@Controller('metadata')
export class MetadataController {
  constructor(
    @Inject(DATA_SOURCE) private readonly db: DataSource,
    private readonly definitions: WorkflowDefinitionCache,
  ) {}

  @Post('taskdefs')
  @HttpCode(200)
  async registerTaskDefs(@Body() body: unknown): Promise<void> {
    const defs = validateTaskDefs(body);
    if (!defs.ok) throw new InvalidInput(defs.errors);
    await saveTaskDefinitions(this.db, defs.value);
    this.definitions.clear();
  }

  /** Every task definition, as registered. */
  @Get('taskdefs')
  listTaskDefs(): Promise<TaskDef[]> {
    return listTaskDefinitions(this.db);
  }

  @Get('taskdefs/:name')
  async getTaskDef(@Param('name') name: string): Promise<TaskDef> {
    const def = (await findTaskDefinitions(this.db, [name])).get(name);
    if (def === undefined) throw new NotFound(`No such taskType found by name: ${name}`);
    return def;
  }

  /** Replaces one registered task definition (the body is one TaskDef); a name not registered is a 404, as in Conductor. */
  @Put('taskdefs')
  @HttpCode(200)
  async updateTaskDef(@Body() body: unknown): Promise<void> {
    if (!isRecord(body)) throw new InvalidInput([{ path: 'body', message: 'must be a task definition object' }]);
    // The one TaskDef validation, on a list of one; its paths are given without the list's "[0]".
    const defs = validateTaskDefs([body]);
    if (!defs.ok) throw new InvalidInput(defs.errors.map((error) => ({ ...error, path: error.path.replace(/^\[0\]\.?/, '') || 'body' })));
    const updated = await updateTaskDefinition(this.db, defs.value[0]);
    this.definitions.clear();
    if (!updated) throw new NotFound(`No such task by name ${defs.value[0].name}`);
  }

  /** Runs already started keep the policy their blueprint froze; new starts use Turnout's defaults for the type. */
  @Delete('taskdefs/:name')
  @HttpCode(200)
  async deleteTaskDef(@Param('name') name: string): Promise<void> {
    const deleted = await deleteTaskDefinition(this.db, name);
    this.definitions.clear();
    if (!deleted) throw new NotFound(`No such task definition: ${name}`);
  }

  /** Creates a definition; an existing (name, version) is a 409 unless `overwrite=true`. */
  @Post('workflow')
  @HttpCode(200)
  async createWorkflowDef(@Body() body: unknown, @Query('overwrite') overwrite?: string): Promise<void> {
    const def = validateWorkflowDef(body);
    if (!def.ok) throw new InvalidInput(def.errors);
    const saved = await this.db.transaction(async (manager) => {
      if (!(await saveWorkflowDefinition(manager, def.value, overwrite === 'true'))) return false;
      await refuseWhatCannotStart(manager, [def.value], () => '');
      return true;
    });
    this.definitions.clear();
    if (!saved) throw new Conflict(`Workflow with ${def.value.name}.${def.value.version} already exists!`);
  }

  /** Creates or replaces a list of definitions, all validated before any is stored. */
  @Put('workflow')
  @HttpCode(200)
  async updateWorkflowDefs(@Body() body: unknown): Promise<void> {
    if (!Array.isArray(body) || body.length === 0) {
      throw new InvalidInput([{ path: 'body', message: 'must be a non-empty JSON array of workflow definitions' }]);
    }
    const defs: WorkflowDef[] = [];
    for (const [index, raw] of body.entries()) {
      const def = validateWorkflowDef(raw, `[${index}]`);
      if (!def.ok) throw new InvalidInput(def.errors);
      defs.push(def.value);
    }
    await this.db.transaction(async (manager) => {
      for (const def of defs) await saveWorkflowDefinition(manager, def, true);
      await refuseWhatCannotStart(manager, defs, (index) => `[${index}]`);
    });
    this.definitions.clear();
  }

  /** Every definition, every version. */
  @Get('workflow')
  listWorkflowDefs(): Promise<WorkflowDef[]> {
    return listWorkflowDefinitions(this.db);
  }

  @Get('workflow/:name')
  async getWorkflowDef(@Param('name') name: string, @Query('version') version?: string): Promise<WorkflowDef> {
    const parsedVersion = parseVersion(version);
    const def = await findWorkflowDefinition(this.db, name, parsedVersion);
    if (def === undefined) throw new NotFound(`No such workflow found by name: ${name}, version: ${parsedVersion ?? null}`);
    return def;
  }

  /** Removes one version; runs already started keep their blueprint, and the latest is the highest version left. */
  @Delete('workflow/:name/:version')
  @HttpCode(200)
  async deleteWorkflowDef(@Param('name') name: string, @Param('version') version: string): Promise<void> {
    const parsedVersion = parseVersion(version)!;
    const deleted = await deleteWorkflowDefinition(this.db, name, parsedVersion);
    this.definitions.clear();
    if (!deleted) throw new NotFound(`No such workflow definition: ${name} version: ${parsedVersion}`);
  }
}

/**
 * Refuses (a 400 that rolls the registration back) definitions whose runs could
 * not start: a sub-workflow that is not registered, a cycle of sub-workflows.
 * Checked once they are stored, in the same transaction, so that definitions
 * registered together may start each other and a child's "latest" is what it
 * will be.
 */
async function refuseWhatCannotStart(manager: EntityManager, defs: readonly WorkflowDef[], pathOf: (index: number) => string): Promise<void> {
  const errors: FieldError[] = [];
  for (const [index, def] of defs.entries()) {
    const blueprint = await findBlueprint(manager, def, pathOf(index));
    if (!blueprint.ok) errors.push(...blueprint.errors);
  }
  if (errors.length > 0) throw new InvalidInput(errors);
}

export function parseVersion(version: string | undefined, field = 'version'): number | undefined {
  if (version === undefined || version === '') return undefined;
  const value = Number(version);
  if (!Number.isInteger(value) || value < 1) throw new InvalidInput([{ path: field, message: 'must be a whole number, 1 or more' }]);
  return value;
}
