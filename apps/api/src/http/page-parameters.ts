import type { FieldError } from '@turnout/domain';

/** A paging parameter (`start`, `size`) from the query string: the fallback when absent; a field error when not a whole number from 0 to `max`. */
export function pageNumber(raw: unknown, fallback: number, path: string, max: number, errors: FieldError[]): number {
  if (raw === undefined || raw === '') return fallback;
  const value = typeof raw === 'string' ? Number(raw) : Number.NaN;
  if (Number.isInteger(value) && value >= 0 && value <= max) return value;
  errors.push({ path, message: `must be a whole number from 0 to ${max}` });
  return fallback;
}
