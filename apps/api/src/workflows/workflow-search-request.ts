import type { FieldError } from '@turnout/domain';
import { type WorkflowSearch, parseSearchQuery } from '@turnout/workflow-search';
import { InvalidInput } from '../http/api-errors';

/** Conductor's default page, and the most one search answers. */
const DEFAULT_SIZE = 100;
const MAX_SIZE = 1000;

/** A query parameter given once, or absent; given twice it is refused. */
function single(parameters: Record<string, unknown>, path: string, errors: FieldError[]): string | undefined {
  const raw = parameters[path];
  if (raw === undefined || typeof raw === 'string') return raw;
  errors.push({ path, message: 'must be given once' });
  return undefined;
}

function wholeNumber(raw: string | undefined, fallback: number, path: string, [min, max]: [number, number], errors: FieldError[]): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (Number.isInteger(value) && value >= min && value <= max) return value;
  errors.push({ path, message: `must be a whole number from ${min} to ${max}` });
  return fallback;
}

/**
 * GET /api/workflow/search's parameters (start, size, query, freeText and
 * Turnout's domain), checked: a 400 names each bad one. `freeText` `*`
 * (Conductor's default) matches any run.
 */
export function workflowSearchOf(parameters: Record<string, unknown>): WorkflowSearch {
  const errors: FieldError[] = [];
  const start = wholeNumber(single(parameters, 'start', errors), 0, 'start', [0, Number.MAX_SAFE_INTEGER], errors);
  const size = wholeNumber(single(parameters, 'size', errors), DEFAULT_SIZE, 'size', [0, MAX_SIZE], errors);
  const clauses = parseSearchQuery(single(parameters, 'query', errors));
  if (!clauses.ok) errors.push(...clauses.errors);
  const freeText = single(parameters, 'freeText', errors)?.trim() ?? '';
  const domain = single(parameters, 'domain', errors)?.trim() ?? '';
  if (errors.length > 0 || !clauses.ok) throw new InvalidInput(errors);
  return {
    clauses: clauses.value,
    freeText: freeText === '' || freeText === '*' ? null : freeText,
    domain: domain === '' ? null : domain,
    start,
    size,
  };
}
