/** The few calls the UI makes to the api (same origin, under /api). */

export class ApiError extends Error {
  constructor(status, body) {
    super(typeof body === 'object' && body !== null && typeof body.message === 'string' ? body.message : `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

async function request(method, path, body) {
  const response = await fetch(`/api${path}`, {
    method,
    headers: body === undefined ? { accept: 'application/json, text/plain' } : { 'content-type': 'application/json', accept: 'application/json, text/plain' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
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
};

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
