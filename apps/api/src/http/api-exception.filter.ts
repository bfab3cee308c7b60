import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { DomainError } from '@turnout/domain';
import { type ApiErrorBody, httpErrorOf } from './api-errors';

/** Every error leaves as Conductor's JSON error body (a domain refusal mapped by httpErrorOf); unexpected ones are logged, not leaked. */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Api');

  catch(thrown: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const exception = thrown instanceof DomainError ? httpErrorOf(thrown) : thrown;
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const raw = exception.getResponse();
      const body: ApiErrorBody =
        typeof raw === 'object' && raw !== null && 'retryable' in raw
          ? (raw as ApiErrorBody)
          : { status, message: typeof raw === 'string' ? raw : exception.message, retryable: false };
      // Set explicitly: a route's own Content-Type header (text/plain) must not label an error.
      response.status(status).type('application/json').send(JSON.stringify(body));
      return;
    }
    this.logger.error(exception instanceof Error ? exception.stack ?? exception.message : String(exception));
    const body: ApiErrorBody = { status: HttpStatus.INTERNAL_SERVER_ERROR, message: 'internal error', retryable: true };
    response.status(HttpStatus.INTERNAL_SERVER_ERROR).type('application/json').send(JSON.stringify(body));
  }
}
