import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { DomainError } from '@turnout/domain';
import { type ApiErrorBody, Unauthorized, httpErrorOf } from './api-errors';

/**
 * A body the body parser refused before any route saw it (over MAX_BODY_BYTES:
 * 413; a charset or encoding it cannot read: 415): http-errors with `expose`
 * set, a client's mistake, not a 500.
 */
function refusedBodyOf(thrown: unknown): HttpException | undefined {
  if (!(thrown instanceof Error)) return undefined;
  const { status, expose, type, limit } = thrown as Error & { status?: unknown; expose?: unknown; type?: unknown; limit?: unknown };
  if (expose !== true || typeof status !== 'number' || status < 400 || status > 499) return undefined;
  const message = type === 'entity.too.large' ? `request body is larger than ${String(limit)} bytes (MAX_BODY_BYTES)` : thrown.message;
  const body: ApiErrorBody = { status, message, retryable: false, validationErrors: [{ path: 'body', message, field: 'body', reason: message }] };
  return new HttpException(body, status);
}

/**
 * Conductor's body for an error Nest raised itself: a 404 for a route there
 * is not, or a 400 for a body that is not JSON or a path that is not
 * percent-encoded UTF-8 (the one field each can name).
 */
function frameworkErrorBody(status: number, raw: unknown, fallback: string): ApiErrorBody {
  const stated = typeof raw === 'string' ? raw : typeof raw === 'object' && raw !== null && 'message' in raw ? raw.message : undefined;
  const message = typeof stated === 'string' ? stated : fallback;
  if (status !== HttpStatus.BAD_REQUEST) return { status, message, retryable: false };
  // Nest's words for a path parameter Express could not decode (URIError); the other 400 it raises is JSON.parse's.
  const field = message.startsWith('Failed to decode param') ? 'path' : 'body';
  return { status, message, retryable: false, validationErrors: [{ path: field, message, field, reason: message }] };
}

/** Every error leaves as Conductor's JSON error body (a domain refusal mapped by httpErrorOf); unexpected ones are logged, not leaked. */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Api');

  catch(thrown: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const exception = thrown instanceof DomainError ? httpErrorOf(thrown) : refusedBodyOf(thrown) ?? thrown;
    if (exception instanceof Unauthorized) {
      response.status(HttpStatus.UNAUTHORIZED).end();
      return;
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const raw = exception.getResponse();
      const body: ApiErrorBody =
        typeof raw === 'object' && raw !== null && 'retryable' in raw ? (raw as ApiErrorBody) : frameworkErrorBody(status, raw, exception.message);
      // Set explicitly: a route's own Content-Type header (text/plain) must not label an error.
      response.status(status).type('application/json').send(JSON.stringify(body));
      return;
    }
    this.logger.error(exception instanceof Error ? exception.stack ?? exception.message : String(exception));
    const body: ApiErrorBody = { status: HttpStatus.INTERNAL_SERVER_ERROR, message: 'internal error', retryable: true };
    response.status(HttpStatus.INTERNAL_SERVER_ERROR).type('application/json').send(JSON.stringify(body));
  }
}
