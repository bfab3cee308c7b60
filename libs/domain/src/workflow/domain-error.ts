/** Thrown when a command does not apply to the state it meets. */
export class DomainError extends Error {
  constructor(
    /** INVALID_STATE: the operation does not fit the run's state (terminate a finished run, retry a running one). */
    /** NOT_OFFERED: a worker confined to a domain reported on a task of another one. */
    readonly code: 'WORKFLOW_NOT_FOUND' | 'WORKFLOW_ALREADY_STARTED' | 'UNKNOWN_TASK' | 'INVALID_STATE' | 'NOT_OFFERED',
    message: string,
  ) {
    super(message);
  }
}
