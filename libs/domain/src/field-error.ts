/** What is wrong with an input, and where: the body of every 400. */
export interface FieldError {
  /** Path of the offending field, e.g. `taskToDomain.hello_world` or `tasks[1].taskReferenceName`. */
  field: string;
  reason: string;
}

export type Validated<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

export const valid = <T>(value: T): Validated<T> => ({ ok: true, value });
export const invalid = <T>(errors: FieldError[]): Validated<T> => ({ ok: false, errors });

/** Thrown when a command does not apply to the state it meets. */
export class DomainError extends Error {
  constructor(
    readonly code: 'WORKFLOW_NOT_FOUND' | 'WORKFLOW_ALREADY_STARTED' | 'UNKNOWN_TASK',
    message: string,
  ) {
    super(message);
  }
}
