/** The few calls the UI makes to the api (same origin, under /api). */

export class ApiError extends Error {
  constructor(status, body) {
    super(typeof body === 'object' && body !== null && typeof body.message === 'string' ? body.message : `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

/**
 * The token from POST /api/token when Turnout has API keys: kept for this tab
 * only (sessionStorage), sent in Conductor's X-Authorization header.
 */
const TOKEN_KEY = 'turnout.token';

/** Dispatched on window when the api answers 401: no token, or one that expired. The app then asks for a key. */
export const UNAUTHORIZED_EVENT = 'turnout:unauthorized';

function storedToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

/** Exchanges an API key for a token and keeps it; throws ApiError (401 for a wrong key). */
export async function signIn(keyId, keySecret) {
  const response = await fetch('/api/token', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ keyId, keySecret }),
  });
  const text = await response.text();
  if (!response.ok) throw new ApiError(response.status, text === '' ? { message: response.status === 401 ? 'Unknown key or wrong secret' : `HTTP ${response.status}` } : JSON.parse(text));
  sessionStorage.setItem(TOKEN_KEY, JSON.parse(text).token);
}

async function request(method, path, body) {
  const headers = body === undefined ? { accept: 'application/json, text/plain' } : { 'content-type': 'application/json', accept: 'application/json, text/plain' };
  const token = storedToken();
  if (token !== null) headers['x-authorization'] = token;
  const response = await fetch(`/api${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (response.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    window.dispatchEvent(new Event(UNAUTHORIZED_EVENT));
  }
  const text = await response.text();
  const isJson = (response.headers.get('content-type') ?? '').includes('json');
  let parsed = text;
  if (isJson && text !== '') {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  if (!response.ok) throw new ApiError(response.status, parsed);
  return parsed;
}

export const api = {
  workflowDefinitions: () => request('GET', '/metadata/workflow'),
  queueDepths: () => request('GET', '/tasks/queue/all'),
  pollData: () => request('GET', '/tasks/queue/polldata/all'),
  /** Answers the new workflow's id. */
  startWorkflow: (startRequest) => request('POST', '/workflow', startRequest),
  workflow: (id) => request('GET', `/workflow/${encodeURIComponent(id)}?includeTasks=true`),
  /** Conductor's SearchResult ({ totalHits, results }); `filters` are search's query parameters, blank ones left out. */
  searchWorkflows: (filters) => request('GET', `/workflow/search${queryString(filters)}`),
  terminate: (id, reason) => request('DELETE', `/workflow/${encodeURIComponent(id)}${queryString({ reason })}`),
  pause: (id) => request('PUT', `/workflow/${encodeURIComponent(id)}/pause`),
  resume: (id) => request('PUT', `/workflow/${encodeURIComponent(id)}/resume`),
  retry: (id) => request('POST', `/workflow/${encodeURIComponent(id)}/retry`),
  restart: (id) => request('POST', `/workflow/${encodeURIComponent(id)}/restart`),
  /** The body is the map itself; `reroute` moves tasks already waiting in a queue too. */
  changeTaskToDomain: (id, taskToDomain, reroute) => request('PUT', `/workflow/${encodeURIComponent(id)}/taskToDomain${queryString({ reroute: String(reroute) })}`, taskToDomain),
};

/** "?a=1&b=2" from the entries that are not blank; "" when none is. */
function queryString(parameters) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(parameters ?? {})) {
    if (value !== undefined && value !== null && String(value) !== '') query.set(key, String(value));
  }
  const text = query.toString();
  return text === '' ? '' : `?${text}`;
}

/** The field errors of a 400 as [{ field, reason }], or [] when the error names none. */
export function fieldErrorsOf(error) {
  if (!(error instanceof ApiError) || !Array.isArray(error.body?.validationErrors)) return [];
  return error.body.validationErrors.map((problem) => ({ field: problem.field ?? problem.path ?? '', reason: problem.reason ?? problem.message ?? '' }));
}

/** Workflow ids started from this browser, newest first (for the Execution page). */
const RECENT_KEY = 'turnout.recentRuns';

export function rememberRun(run) {
  try {
    const runs = recentRuns().filter((known) => known.workflowId !== run.workflowId);
    localStorage.setItem(RECENT_KEY, JSON.stringify([run, ...runs].slice(0, 20)));
  } catch {
    // Storage may be unavailable (private mode); the list is only a convenience.
  }
}

export function recentRuns() {
  try {
    const runs = JSON.parse(localStorage.getItem(RECENT_KEY) ?? '[]');
    return Array.isArray(runs) ? runs.filter((run) => run && typeof run.workflowId === 'string') : [];
  } catch {
    return [];
  }
}
