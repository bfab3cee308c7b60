import { ConfigError, loadConfig } from './turnout-config';

describe('loadConfig: HTTP tasks', () => {
  it('lets HTTP tasks call any host unless HTTP_TASK_ALLOWED_HOSTS lists some, comma separated', () => {
    expect(loadConfig({}).httpTaskAllowedHosts).toBeNull();
    expect(loadConfig({ HTTP_TASK_ALLOWED_HOSTS: ' api.example, 10.0.0.5:8443 ,' }).httpTaskAllowedHosts).toEqual(['api.example', '10.0.0.5:8443']);
  });

  it("takes Conductor's default timeouts, and stops on a malformed one naming the variable", () => {
    expect(loadConfig({})).toMatchObject({ httpTaskConnectTimeoutMs: 100, httpTaskReadTimeoutMs: 150 });
    expect(loadConfig({ HTTP_TASK_READ_TIMEOUT_MS: '30000' }).httpTaskReadTimeoutMs).toBe(30_000);
    expect(() => loadConfig({ HTTP_TASK_CONNECT_TIMEOUT_MS: 'soon' })).toThrow(ConfigError);
    expect(() => loadConfig({ HTTP_TASK_CONNECT_TIMEOUT_MS: 'soon' })).toThrow('HTTP_TASK_CONNECT_TIMEOUT_MS');
  });
});
