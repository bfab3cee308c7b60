/**
 * Jest global teardown: removes test vhosts older than 15 minutes. Younger ones
 * may belong to another run still going on this machine; the next run removes them.
 */
import { TEST_VHOST_PREFIX, rabbitmqctl } from './services';

const STALE_AFTER_MS = 15 * 60_000;

export default async function removeOldVhosts(): Promise<void> {
  let listing: string;
  try {
    listing = await rabbitmqctl('list_vhosts', 'name');
  } catch {
    return;
  }
  const old = listing
    .split('\n')
    .map((line) => line.trim())
    .filter((name) => name.startsWith(TEST_VHOST_PREFIX) && Date.now() - Number(name.split('_')[1]) > STALE_AFTER_MS);
  for (const vhost of old) await rabbitmqctl('delete_vhost', vhost).catch(() => undefined);
}
