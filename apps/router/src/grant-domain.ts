import { parseArgs } from 'node:util';
import { loadConfig, parseBrokerUrls } from '@turnout/config';
import { identifierProblem } from '@turnout/domain';
import { BrokerManagement, domainPermissions } from '@turnout/messaging';

const USAGE = 'usage: npm run grant-domain -- --domain <domain|NO_DOMAIN> --user <name> (--password <secret> | --print) [--vhost <vhost>]';

/**
 * `npm run grant-domain`: creates or updates a RabbitMQ user confined to one
 * domain (domainPermissions), through the management API at
 * RABBITMQ_MANAGEMENT_URL, in the vhost of AMQP_URL unless --vhost names
 * another. --print shows the permissions and applies nothing.
 */
async function grantDomain(): Promise<void> {
  const { values } = parseArgs({
    // After `node scripts/run.mjs grant-domain`.
    args: process.argv.slice(3),
    options: { domain: { type: 'string' }, user: { type: 'string' }, password: { type: 'string' }, vhost: { type: 'string' }, print: { type: 'boolean' } },
  });
  const { domain, user, password, print } = values;
  if (domain === undefined || user === undefined || (password === undefined && print !== true)) throw new Error(USAGE);
  const config = loadConfig();
  // The first node's path is the vhost every process connects to ('/' when it has none).
  const vhost = values.vhost ?? (decodeURIComponent(new URL(parseBrokerUrls(config.amqpUrl)[0]).pathname.slice(1)) || '/');
  for (const [option, name] of [['--user', user], ['--vhost', vhost]] as const) {
    const problem = identifierProblem(name, `a RabbitMQ ${option.slice(2)}`);
    if (problem !== null) throw new Error(`${option} ${problem}`);
  }
  const grant = domainPermissions(domain);
  const described = { user, vhost, ...grant };
  if (print === true) {
    console.log(JSON.stringify(described, null, 2));
    return;
  }
  await new BrokerManagement(config.rabbitmqManagementUrl).grantDomain(vhost, user, password!, grant);
  console.log(`user ${user} may now work for ${grant.domain === null ? 'the default queues (NO_DOMAIN)' : `domain ${grant.domain}`} in vhost ${vhost}:`);
  console.log(JSON.stringify(described, null, 2));
}

grantDomain().catch((error: unknown) => {
  console.error(`grant-domain failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
