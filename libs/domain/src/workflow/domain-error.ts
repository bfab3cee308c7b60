/** Thrown when a command does not apply to the state it meets. */
export class DomainError extends Error {
  constructor(
    readonly code: 'WORKFLOW_NOT_FOUND' | 'WORKFLOW_ALREADY_STARTED' | 'UNKNOWN_TASK',
    message: string,
  ) {
    super(message);
  }
}
