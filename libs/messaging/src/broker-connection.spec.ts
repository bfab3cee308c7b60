/**
 * connectToBroker given several addresses, against the real RabbitMQ: a node
 * that does not answer (a closed port) is passed over for the next.
 */
import { createServer } from 'node:net';
import { amqpUrl } from '../../../test/support/services';
import { connectToBroker } from './broker-connection';

/** A port on 127.0.0.1 that nothing listens on: bound, then let go. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function atPort(url: string, port: number): string {
  const moved = new URL(url);
  moved.hostname = '127.0.0.1';
  moved.port = String(port);
  return moved.toString();
}

describe('connectToBroker with several addresses', () => {
  let broker: string;

  beforeAll(async () => {
    broker = await amqpUrl();
  });

  it('passes over a dead first address and connects to the second, and says so', async () => {
    const dead = atPort(broker, await closedPort());
    const logged: string[] = [];
    const connection = await connectToBroker(`${dead},${broker}`, { connectionName: 'broker-connection spec', log: (line) => logged.push(line) });
    try {
      // A working connection: the broker answers on a channel of it.
      const channel = await connection.createChannel();
      const { queue } = await channel.assertQueue('', { exclusive: true });
      expect((await channel.checkQueue(queue)).messageCount).toBe(0);
      await channel.close();
    } finally {
      await connection.close();
    }
    expect(logged).toEqual([expect.stringMatching(new RegExp(`^connected to amqp://guest:\\*\\*\\*@127\\.0\\.0\\.1:\\d+.*the nodes before it did not answer \\(amqp://guest:\\*\\*\\*@127\\.0\\.0\\.1:${new URL(dead).port}.*ECONNREFUSED`))]);
  });

  it('takes the addresses as a list too, the first that answers first', async () => {
    const logged: string[] = [];
    const connection = await connectToBroker([broker, atPort(broker, await closedPort())], { connectionName: 'broker-connection spec', log: (line) => logged.push(line) });
    await connection.close();
    expect(logged).toEqual([]);
  });

  it('fails with every address and its reason when none answers', async () => {
    const [first, second] = [await closedPort(), await closedPort()];
    await expect(connectToBroker(`${atPort(broker, first)},${atPort(broker, second)}`, { connectionName: 'broker-connection spec' })).rejects.toThrow(
      new RegExp(`no broker node answered \\(.*:${first}.*ECONNREFUSED.*; .*:${second}.*ECONNREFUSED`),
    );
  });
});
