/** The reason a message is refused; it travels with the dead-lettered message. */
export class InvalidMessage extends Error {}

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

export function parseJson(content: Buffer): Parsed<Record<string, unknown>> {
  try {
    const value: unknown = JSON.parse(content.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? { ok: true, value: value as Record<string, unknown> }
      : { ok: false, reason: 'body must be a JSON object' };
  } catch (error) {
    return { ok: false, reason: `body is not JSON: ${(error as Error).message}` };
  }
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function requiredString(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (typeof value !== 'string' || value.trim() === '') throw new InvalidMessage(`${field}: must be a non-empty string`);
  return value;
}

export function optionalString(body: Record<string, unknown>, field: string): string | null {
  const value = body[field];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new InvalidMessage(`${field}: must be a string or null`);
  return value;
}
