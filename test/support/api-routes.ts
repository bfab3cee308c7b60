/**
 * Every route of the api, as its controllers declare them (apps/api/src: the
 * fuzz checks this list against the routes the api maps at start), with the
 * query parameters each reads and whether it takes a body. `:name` is a path
 * parameter.
 */
export interface ApiRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  query: readonly string[];
  body: boolean;
}

const route = (method: ApiRoute['method'], path: string, query: readonly string[] = [], body = false): ApiRoute => ({ method, path, query, body });

/** Open with API keys set: a balancer's probe, Prometheus, and the token exchange itself. */
export const OPEN_ROUTES: readonly ApiRoute[] = [route('GET', '/health'), route('GET', '/metrics'), route('POST', '/api/token', [], true)];

/** Every route that wants a token when API keys are set. */
export const GUARDED_ROUTES: readonly ApiRoute[] = [
  route('POST', '/api/metadata/taskdefs', [], true),
  route('GET', '/api/metadata/taskdefs'),
  route('GET', '/api/metadata/taskdefs/:name'),
  route('PUT', '/api/metadata/taskdefs', [], true),
  route('DELETE', '/api/metadata/taskdefs/:name'),
  route('POST', '/api/metadata/workflow', ['overwrite'], true),
  route('PUT', '/api/metadata/workflow', [], true),
  route('GET', '/api/metadata/workflow'),
  route('GET', '/api/metadata/workflow/:name', ['version']),
  route('DELETE', '/api/metadata/workflow/:name/:version'),
  route('POST', '/api/workflow', [], true),
  route('POST', '/api/workflow/execute/:name/:version', ['requestId', 'waitUntilTaskRef', 'waitForSeconds', 'returnStrategy', 'consistency'], true),
  route('POST', '/api/workflow/:name', ['version', 'correlationId', 'priority'], true),
  route('GET', '/api/workflow/search', ['start', 'size', 'query', 'freeText', 'domain']),
  route('GET', '/api/workflow/:workflowId', ['includeTasks']),
  route('GET', '/api/workflow/running/:name', ['version', 'startTime', 'endTime']),
  route('GET', '/api/workflow/:name/correlated/:correlationId', ['includeClosed', 'includeTasks']),
  route('GET', '/api/workflow/:workflowId/tasks', ['start', 'count', 'status']),
  route('DELETE', '/api/workflow/:workflowId/remove', ['archiveWorkflow']),
  route('DELETE', '/api/workflow/:workflowId', ['reason']),
  route('PUT', '/api/workflow/:workflowId/pause'),
  route('PUT', '/api/workflow/:workflowId/resume'),
  route('POST', '/api/workflow/:workflowId/retry'),
  route('POST', '/api/workflow/:workflowId/restart'),
  route('PUT', '/api/workflow/:workflowId/skiptask/:taskReferenceName', [], true),
  route('POST', '/api/workflow/:workflowId/rerun', [], true),
  route('PUT', '/api/workflow/:workflowId/taskToDomain', ['reroute'], true),
  route('GET', '/api/tasks/poll/batch/:taskType', ['workerid', 'domain', 'count', 'timeout']),
  route('GET', '/api/tasks/poll/:taskType', ['workerid', 'domain', 'timeout']),
  route('POST', '/api/tasks', [], true),
  route('POST', '/api/tasks/update-v2', [], true),
  route('GET', '/api/tasks/queue/polldata/all'),
  route('GET', '/api/tasks/queue/polldata', ['taskType']),
  route('GET', '/api/tasks/queue/sizes', ['taskType']),
  route('GET', '/api/tasks/queue/all'),
  route('GET', '/api/tasks/search', ['start', 'size', 'query', 'freeText']),
  route('GET', '/api/tasks/:taskId'),
  route('GET', '/api/tasks/:taskId/log'),
  route('POST', '/api/tasks/:taskId/log', [], true),
  route('POST', '/api/tasks/:workflowId/:taskRefName/:status', ['workerid'], true),
  route('POST', '/api/event', [], true),
  route('PUT', '/api/event', [], true),
  route('GET', '/api/event'),
  route('GET', '/api/event/:event', ['activeOnly']),
  route('DELETE', '/api/event/:name'),
  route('GET', '/api/admin/dead-letters', ['start', 'size']),
];

/** The path with each `:parameter` replaced (already encoded) by `valueOf(parameter)`. */
export function pathOf(route: ApiRoute, valueOf: (parameter: string) => string): string {
  return route.path.replace(/:(\w+)/g, (_match, parameter: string) => valueOf(parameter));
}

/** "METHOD /path/:param" for each route the api's log says Nest mapped ("Mapped {/api/tasks/:taskId, GET} route"). */
export function mappedRoutesIn(output: string): string[] {
  return [...output.matchAll(/Mapped \{([^,}]+), (\w+)\} route/g)].map((match) => `${match[2]} ${match[1]}`);
}
