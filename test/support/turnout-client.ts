/** The bits of Conductor's HTTP API the end-to-end tests use. */
export class TurnoutClient {
  constructor(readonly baseUrl: string) {}

  async request(method: string, path: string, body?: unknown): Promise<{ status: number; contentType: string; body: any }> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const contentType = response.headers.get('content-type') ?? '';
    return { status: response.status, contentType, body: contentType.includes('json') && text !== '' ? JSON.parse(text) : text };
  }

  async registerWorkflow(name: string, taskTypes: string[], outputParameters?: Record<string, unknown>): Promise<void> {
    const response = await this.request('POST', '/api/metadata/workflow', {
      name,
      version: 1,
      tasks: taskTypes.map((taskType) => ({ name: taskType, taskReferenceName: `${taskType}_ref`, type: 'SIMPLE', inputParameters: {} })),
      ...(outputParameters ? { outputParameters } : {}),
    });
    if (response.status !== 200) throw new Error(`registering ${name} failed: ${response.status} ${JSON.stringify(response.body)}`);
  }

  async startWorkflow(name: string, taskToDomain?: Record<string, string>, input: Record<string, unknown> = {}): Promise<string> {
    const response = await this.request('POST', '/api/workflow', { name, version: 1, input, ...(taskToDomain ? { taskToDomain } : {}) });
    if (response.status !== 200) throw new Error(`starting ${name} failed: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body as string;
  }

  async workflow(workflowId: string): Promise<any> {
    const response = await this.request('GET', `/api/workflow/${workflowId}?includeTasks=true`);
    if (response.status !== 200) throw new Error(`GET workflow ${workflowId}: ${response.status}`);
    return response.body;
  }
}
