import { STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ApiErrorBody } from './api-errors';

/**
 * Requests Node's HTTP parser refuses before Express sees them (headers or a
 * URL over its limit: 431; anything it cannot parse: 400) answered with
 * Conductor's error body too, rather than Node's bare status line.
 */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'HPE_REQUEST_TIMEOUT' ? 408 : 400;
    const message = status === 431 ? 'request line and headers are larger than the server reads' : `malformed request (${error.code ?? 'unparsable'})`;
    const body = JSON.stringify({ status, message, retryable: status === 408 } satisfies ApiErrorBody);
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
