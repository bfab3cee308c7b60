import { HttpException, HttpStatus } from '@nestjs/common';
import { type DomainError, type FieldError, describeFieldErrors } from '@turnout/domain';

/**
 * Conductor's error body (status, message, retryable, validationErrors with
 * path and message), with `field` and `reason` beside path and message.
 */
export interface ApiErrorBody {
  status: number;
  message: string;
  retryable: boolean;
  validationErrors?: Array<{ path: string; message: string; field: string; reason: string }>;
}

export class InvalidInput extends HttpException {
  constructor(errors: FieldError[]) {
    const body: ApiErrorBody = {
      status: HttpStatus.BAD_REQUEST,
      message: describeFieldErrors(errors),
      retryable: false,
      validationErrors: errors.map(({ path, message }) => ({ path, message, field: path, reason: message })),
    };
    super(body, HttpStatus.BAD_REQUEST);
  }
}

export class NotFound extends HttpException {
  constructor(message: string) {
    super({ status: HttpStatus.NOT_FOUND, message, retryable: false } satisfies ApiErrorBody, HttpStatus.NOT_FOUND);
  }
}

/** A missing, wrong or expired token, or a key refused by /api/token: the status and nothing else (no hint of which). */
export class Unauthorized extends HttpException {
  constructor() {
    super('', HttpStatus.UNAUTHORIZED);
  }
}

export class Conflict extends HttpException {
  constructor(message: string) {
    super({ status: HttpStatus.CONFLICT, message, retryable: false } satisfies ApiErrorBody, HttpStatus.CONFLICT);
  }
}

/** A command the domain refused, as every route answers it: an unknown run or task is a 404, one that does not fit its state a 409. */
export function httpErrorOf(error: DomainError): HttpException {
  switch (error.code) {
    case 'WORKFLOW_NOT_FOUND':
    case 'UNKNOWN_TASK':
      return new NotFound(error.message);
    case 'INVALID_STATE':
    case 'WORKFLOW_ALREADY_STARTED':
    // Only AMQP results carry a confinement; never met over HTTP, answered as a refusal if it were.
    case 'NOT_OFFERED':
      return new Conflict(error.message);
    default: {
      const unknownCode: never = error.code;
      throw new Error(`unknown DomainError code ${String(unknownCode)}`);
    }
  }
}
