/**
 * The RabbitMQ vhosts a test file made, kept in the file's global so that its
 * test environment (vhost-cleanup-environment.ts) deletes them when the file ends.
 */
const TEST_VHOSTS_KEY = '__turnoutTestVhosts';

type WithTestVhosts = { [TEST_VHOSTS_KEY]?: string[] };

export function recordTestVhost(vhost: string): void {
  const global = globalThis as WithTestVhosts;
  global[TEST_VHOSTS_KEY] = [...(global[TEST_VHOSTS_KEY] ?? []), vhost];
}

export function testVhostsOf(global: object): readonly string[] {
  return (global as WithTestVhosts)[TEST_VHOSTS_KEY] ?? [];
}
