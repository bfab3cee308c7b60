/** Thrown when a command does not apply to the state it meets. */
export class DomainError extends Error {
  constructor(
    /** INVALID_STATE: the operation does not fit the run's state (terminate a finished run, retry a running one). */
    readonly code: 'WORKFLOW_NOT_FOUND' | 'WORKFLOW_ALREADY_STARTED' | 'UNKNOWN_TASK' | 'INVALID_STATE',
    message: string,
  ) {
    super(message);
  }
}
