import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { TaskDef, WorkflowDef } from '@turnout/domain';
import { findWorkflowDefinitionWithTasks } from '@turnout/metadata';
import { DATA_SOURCE } from '../api.tokens';

export interface DefinitionWithTasks {
  definition: WorkflowDef;
  taskDefs: Map<string, TaskDef>;
}

/**
 * Another api instance sees a replaced definition within this long; this one at
 * once (writes through it clear the cache). A start then costs no metadata read.
 */
export const DEFINITION_FRESH_FOR_MS = 1_000;
const MAX_ENTRIES = 1_000;

/**
 * The definitions starts are made from, kept briefly in memory. Concurrent
 * lookups of one definition share one query; a name not found is not kept,
 * so a workflow registered anywhere can be started at once.
 */
@Injectable()
export class WorkflowDefinitionCache {
  private readonly entries = new Map<string, { readAt: number; found: Promise<DefinitionWithTasks | undefined> }>();

  constructor(@Inject(DATA_SOURCE) private readonly db: DataSource) {}

  find(name: string, version?: number): Promise<DefinitionWithTasks | undefined> {
    const key = `${name}\u0000${version ?? 'latest'}`;
    const now = Date.now();
    const kept = this.entries.get(key);
    if (kept !== undefined && now - kept.readAt < DEFINITION_FRESH_FOR_MS) return kept.found;
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    const found = findWorkflowDefinitionWithTasks(this.db, name, version);
    const entry = { readAt: now, found };
    this.entries.set(key, entry);
    const forget = () => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    };
    found.then((definition) => definition === undefined && forget(), forget);
    return found;
  }

  /** After a task or workflow definition was written through this api. */
  clear(): void {
    this.entries.clear();
  }
}
