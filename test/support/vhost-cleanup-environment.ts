/**
 * The test environment of every test file: Node's, plus one duty once the file
 * has ended (its afterAll hooks have stopped its processes): deleting the
 * RabbitMQ vhosts it made. Left to the global teardown, a whole run's vhosts
 * piled up, each holding message-store files open, until the broker ran out of
 * file descriptors and refused connections (826 of 927 in use at 44 vhosts).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { TestEnvironment } from 'jest-environment-node';
import { testVhostsOf } from './test-vhosts';

const run = promisify(execFile);

export default class VhostCleanupEnvironment extends TestEnvironment {
  override async teardown(): Promise<void> {
    for (const vhost of testVhostsOf(this.global)) await run('rabbitmqctl', ['-q', 'delete_vhost', vhost]).catch(() => undefined);
    await super.teardown();
  }
}
