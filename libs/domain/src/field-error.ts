/**
 * What is wrong with an input, and where: the body of every 400 and the
 * reason of every dead-lettered message, from libs/domain outwards unchanged.
 */
export interface FieldError {
  /** Path of the offending field, e.g. `taskToDomain.hello_world` or `tasks[1].taskReferenceName`; '' for the input as a whole. */
  path: string;
  message: string;
}

export type Validated<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

export const valid = <T>(value: T): Validated<T> => ({ ok: true, value });
export const invalid = <T>(errors: FieldError[]): Validated<T> => ({ ok: false, errors });

/** Field errors as one line: `path: message; path: message` (a dead-letter reason, an error's message). */
export const describeFieldErrors = (errors: readonly FieldError[]): string =>
  errors.map((error) => (error.path === '' ? error.message : `${error.path}: ${error.message}`)).join('; ');
