import { HttpException, HttpStatus } from '@nestjs/common';
import { type FieldError, describeFieldErrors } from '@turnout/domain';

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

export class Conflict extends HttpException {
  constructor(message: string) {
    super({ status: HttpStatus.CONFLICT, message, retryable: false } satisfies ApiErrorBody, HttpStatus.CONFLICT);
  }
}
