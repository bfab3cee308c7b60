import * as http from 'node:http';
import * as https from 'node:https';
import { type HttpRequest, messageOf } from '@turnout/domain';

/** Conductor's HTTP task output: `response: {statusCode, reasonPhrase, headers, body}`. */
export interface HttpResponseOutput {
  statusCode: number;
  reasonPhrase: string;
  /** Each header's values, as Conductor (Spring's HttpHeaders) lists them. */
  headers: Record<string, string[]>;
  /** JSON when the body parses as JSON, else the text; null when empty. */
  body: unknown;
}

export type HttpCallOutcome = { type: 'response'; response: HttpResponseOutput } | { type: 'error'; reason: string };

export interface HttpCallTimeouts {
  /** Used where the request gives none. */
  connectMs: number;
  readMs: number;
}

function bodyOf(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * Makes the call an HTTP attempt asks for, with its connection timeout (until
 * the socket connects) and read timeout (no byte for that long once
 * connected), as Conductor's HTTP task does. Never throws: a network error or
 * a timeout is an outcome with its reason.
 */
export function callHttp(request: HttpRequest, timeouts: HttpCallTimeouts): Promise<HttpCallOutcome> {
  const connectMs = request.connectionTimeOut ?? timeouts.connectMs;
  const readMs = request.readTimeOut ?? timeouts.readMs;
  const payload = request.body === undefined ? undefined : Buffer.from(typeof request.body === 'string' ? request.body : JSON.stringify(request.body));
  const headers: Record<string, string | number> = { 'content-type': request.contentType, accept: request.accept, ...request.headers };
  if (payload !== undefined) headers['content-length'] = payload.length;
  const url = new URL(request.uri);
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    const settle = (outcome: HttpCallOutcome) => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
    // A fresh connection per call (no agent): the connection timeout then always means connecting.
    const call = transport.request(url, { method: request.method, headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', (error) => settle({ type: 'error', reason: `${request.method} ${request.uri} failed while reading the response: ${error.message}` }));
      response.on('end', () =>
        settle({
          type: 'response',
          response: {
            statusCode: response.statusCode ?? 0,
            reasonPhrase: response.statusMessage ?? '',
            headers: response.headersDistinct as Record<string, string[]>,
            body: bodyOf(Buffer.concat(chunks).toString('utf8')),
          },
        }),
      );
    });
    call.on('socket', (socket) => {
      const connecting = setTimeout(() => call.destroy(new Error(`no connection within connectionTimeOut (${connectMs} ms)`)), connectMs);
      const connected = () => {
        clearTimeout(connecting);
        socket.setTimeout(readMs, () => call.destroy(new Error(`no response within readTimeOut (${readMs} ms)`)));
      };
      if (socket.connecting) socket.once('connect', connected);
      else connected();
      socket.once('close', () => clearTimeout(connecting));
    });
    call.on('error', (error) => settle({ type: 'error', reason: `${request.method} ${request.uri} failed: ${messageOf(error)}` }));
    call.end(payload);
  });
}
