import type { DomainPermissions } from './domain-permissions';

/**
 * RabbitMQ's management HTTP API, as far as Turnout uses it: creating a user
 * and setting its permissions. The URL carries the administrator's
 * credentials (`http://guest:guest@127.0.0.1:15672`), sent as basic auth
 * (fetch refuses a URL with credentials in it).
 */
export class BrokerManagement {
  private readonly base: string;
  private readonly authorization: string;

  constructor(managementUrl: string) {
    const url = new URL(managementUrl);
    this.authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
    url.username = '';
    url.password = '';
    this.base = url.toString().replace(/\/$/, '');
  }

  /**
   * Creates the user or replaces its password (no tags: no management UI),
   * then sets its permissions in `vhost` and a topic permission per exchange.
   */
  async grantDomain(vhost: string, user: string, password: string, grant: DomainPermissions): Promise<void> {
    const userPath = encodeURIComponent(user);
    const vhostPath = encodeURIComponent(vhost);
    await this.put(`/api/users/${userPath}`, { password, tags: '' });
    await this.put(`/api/permissions/${vhostPath}/${userPath}`, grant.permissions);
    for (const topic of grant.topicPermissions) await this.put(`/api/topic-permissions/${vhostPath}/${userPath}`, topic);
  }

  private async put(path: string, body: unknown): Promise<void> {
    let response: Response;
    try {
      response = await fetch(`${this.base}${path}`, {
        method: 'PUT',
        headers: { authorization: this.authorization, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    } catch (error) {
      throw new Error(`RabbitMQ's management API at ${this.base} did not answer (${(error as Error).message}); is the rabbitmq_management plugin enabled?`);
    }
    if (!response.ok) throw new Error(`PUT ${path}: ${response.status} ${await response.text()}`);
  }
}
