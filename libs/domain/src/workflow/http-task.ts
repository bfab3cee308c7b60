import { type FieldError, type Validated, invalid, valid } from '../field-error';
import { isRecord } from '../plain-values';

/** The methods an HTTP task may use (Conductor's HttpMethod, PATCH included). */
export const HTTP_METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/**
 * The call an HTTP attempt makes, from its evaluated
 * `inputParameters.http_request` (Conductor's HttpTask.Input), frozen into its
 * TaskScheduled: a router makes it, so what it calls is decided with the attempt.
 */
export interface HttpRequest {
  uri: string;
  method: HttpMethod;
  headers: Record<string, string>;
  /** Absent: no body. An object or array is sent as JSON, a string as it is. */
  body?: unknown;
  /** Conductor's defaults: application/json for both. */
  contentType: string;
  accept: string;
  /** Milliseconds; null: the router's default (HTTP_TASK_CONNECT_TIMEOUT_MS, HTTP_TASK_READ_TIMEOUT_MS). */
  connectionTimeOut: number | null;
  readTimeOut: number | null;
}

const JSON_TYPE = 'application/json';

const isLiteral = (value: unknown): boolean => !(typeof value === 'string' && value.includes('${'));

/** A whole number of milliseconds above 0, written as a number or as digits (the SDK types readTimeOut as a string). */
function millisecondsOf(value: unknown): number | null {
  const count = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  return Number.isInteger(count) && (count as number) > 0 ? (count as number) : null;
}

function checkUri(value: unknown, path: string): FieldError[] {
  if (typeof value !== 'string' || value.trim() === '') return [{ path, message: 'must be an absolute http or https URL' }];
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return [{ path, message: `"${value}" is not an absolute http or https URL` }];
  }
  return url.protocol === 'http:' || url.protocol === 'https:' ? [] : [{ path, message: `must be an http or https URL, not ${url.protocol}` }];
}

/** The checks of an http_request; `literalOnly` skips what an expression may still make right when the task runs. */
function checkRequest(raw: unknown, path: string, literalOnly: boolean): FieldError[] {
  if (literalOnly && !isLiteral(raw)) return [];
  if (!isRecord(raw)) return [{ path, message: 'must be an object: the call to make (uri, method, headers, body, contentType, accept, connectionTimeOut, readTimeOut)' }];
  const check = (value: unknown) => value !== undefined && value !== null && (!literalOnly || isLiteral(value));
  const errors: FieldError[] = [];
  if (!literalOnly || isLiteral(raw.uri)) errors.push(...checkUri(raw.uri, `${path}.uri`));
  if (check(raw.method) && !(HTTP_METHODS as readonly unknown[]).includes(raw.method)) {
    errors.push({ path: `${path}.method`, message: `must be one of ${HTTP_METHODS.join(', ')}` });
  }
  if (check(raw.headers)) {
    if (!isRecord(raw.headers)) errors.push({ path: `${path}.headers`, message: 'must be an object of header names to string values' });
    else {
      for (const [name, value] of Object.entries(raw.headers)) {
        if (typeof value !== 'string' && (!literalOnly || isLiteral(value))) errors.push({ path: `${path}.headers.${name}`, message: 'must be a string' });
      }
    }
  }
  for (const field of ['contentType', 'accept'] as const) {
    if (check(raw[field]) && typeof raw[field] !== 'string') errors.push({ path: `${path}.${field}`, message: 'must be a string (a media type)' });
  }
  for (const field of ['connectionTimeOut', 'readTimeOut'] as const) {
    if (check(raw[field]) && millisecondsOf(raw[field]) === null) errors.push({ path: `${path}.${field}`, message: 'must be a whole number of milliseconds above 0' });
  }
  return errors;
}

/** A definition's HTTP inputParameters: what is written as it is (expressions are checked when the task runs). */
export function checkHttpTaskDef(inputParameters: unknown, path: string): FieldError[] {
  const request = isRecord(inputParameters) ? inputParameters.http_request : undefined;
  if (request === undefined || request === null) return [{ path: `${path}.http_request`, message: 'is required: the call to make (uri, method, ...)' }];
  return checkRequest(request, `${path}.http_request`, true);
}

/** The call an attempt's evaluated input asks for, with Conductor's defaults, or why it is refused. */
export function httpRequestOf(inputData: Record<string, unknown>): Validated<HttpRequest> {
  const raw = inputData.http_request;
  const errors = checkRequest(raw, 'http_request', false);
  if (errors.length > 0 || !isRecord(raw)) return invalid(errors);
  return valid({
    uri: raw.uri as string,
    method: (raw.method as HttpMethod | null | undefined) ?? 'GET',
    headers: (raw.headers as Record<string, string> | null | undefined) ?? {},
    ...(raw.body === undefined || raw.body === null ? {} : { body: raw.body }),
    contentType: (raw.contentType as string | null | undefined) ?? JSON_TYPE,
    accept: (raw.accept as string | null | undefined) ?? JSON_TYPE,
    connectionTimeOut: millisecondsOf(raw.connectionTimeOut),
    readTimeOut: millisecondsOf(raw.readTimeOut),
  });
}

/**
 * Whether the allow-list lets a call to `uri` out: null is no list (every
 * host); an entry is a host name (any port) or `host:port`, in any letter case.
 */
export function isHostAllowed(uri: string, allowedHosts: readonly string[] | null): boolean {
  if (allowedHosts === null) return true;
  const url = new URL(uri);
  const host = url.hostname.toLowerCase();
  const port = url.port === '' ? (url.protocol === 'https:' ? '443' : '80') : url.port;
  return allowedHosts.some((entry) => {
    const allowed = entry.toLowerCase();
    return allowed === host || allowed === `${host}:${port}`;
  });
}
