/**
 * Heartbeats the presence projection absorbs per second: many workers'
 * heartbeats published as fast as the broker confirms them, timed until the
 * router has drained its heartbeat queue.
 */
import { HEARTBEATS_EXCHANGE, ROUTER_HEARTBEATS_QUEUE, connectToBroker } from '@turnout/messaging';

export async function publishHeartbeats(
  amqpUrl: string,
  options: { workers: number; domains: number; rounds: number; taskType: string },
): Promise<{ heartbeats: number; perSec: number }> {
  const connection = await connectToBroker(amqpUrl, { connectionName: 'bench heartbeats' });
  const channel = await connection.createConfirmChannel();
  const started = performance.now();
  let published = 0;
  for (let round = 0; round < options.rounds; round += 1) {
    const at = Date.now();
    for (let worker = 0; worker < options.workers; worker += 1) {
      const heartbeat = { taskType: options.taskType, domain: `d${worker % options.domains}`, workerId: `bench-${worker}`, at: at + round };
      if (!channel.publish(HEARTBEATS_EXCHANGE, '', Buffer.from(JSON.stringify(heartbeat)), { contentType: 'application/json' })) {
        await new Promise((resolve) => channel.once('drain', resolve));
      }
      published += 1;
      if (published % 1000 === 0) await channel.waitForConfirms();
    }
  }
  await channel.waitForConfirms();
  for (;;) {
    const { messageCount } = await channel.checkQueue(ROUTER_HEARTBEATS_QUEUE);
    if (messageCount === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const seconds = (performance.now() - started) / 1000;
  await connection.close();
  return { heartbeats: published, perSec: published / seconds };
}
