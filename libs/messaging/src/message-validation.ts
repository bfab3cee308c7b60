import { type FieldError, type Validated, invalid, isRecord, unstorableInputProblems, valid } from '@turnout/domain';

/**
 * A message body as a JSON object. Its errors have the path '' (the body as a
 * whole), so a dead-letter reason reads "body is not JSON: …". Text
 * PostgreSQL cannot store (NUL, unpaired surrogates) or nesting over
 * MAX_INPUT_DEPTH is refused here, naming the field, as the api's pipe refuses
 * it in a request: past here it would fail every append that carried it (and
 * the appends grouped with it), again on every redelivery.
 */
export function parseJson(content: Buffer): Validated<Record<string, unknown>> {
  let value: unknown;
  try {
    value = JSON.parse(content.toString('utf8'));
  } catch (error) {
    return invalid([{ path: '', message: `body is not JSON: ${(error as Error).message}` }]);
  }
  if (!isRecord(value)) return invalid([{ path: '', message: 'body must be a JSON object' }]);
  const unstorable = unstorableInputProblems(value);
  return unstorable.length === 0 ? valid(value) : invalid(unstorable);
}

/** The field as a non-blank string; otherwise an error is added to `errors` and '' returned. */
export function requiredString(body: Record<string, unknown>, field: string, errors: FieldError[]): string {
  const value = body[field];
  if (typeof value === 'string' && value.trim() !== '') return value;
  errors.push({ path: field, message: 'must be a non-empty string' });
  return '';
}

/** The field as a string, or null when absent; otherwise an error is added to `errors`. */
export function optionalString(body: Record<string, unknown>, field: string, errors: FieldError[]): string | null {
  const value = body[field];
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  errors.push({ path: field, message: 'must be a string or null' });
  return null;
}
