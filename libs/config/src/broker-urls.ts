/**
 * AMQP_URL names one broker or several nodes of a RabbitMQ cluster, comma
 * separated: every process connects to the first that answers and, when its
 * node goes away, to the next. This is the one reading of that list, for the
 * configuration and for anything given a URL in code (TaskWorker's amqpUrl).
 */

/** One URL, a comma-separated list of them, or the list already split. */
export type BrokerUrls = string | readonly string[];

const BROKER_SCHEMES = ['amqp:', 'amqps:'];

/** The URLs in the order given; throws naming the entry that is not an amqp(s) URL, or when there is none. */
export function parseBrokerUrls(urls: BrokerUrls): string[] {
  const entries = (typeof urls === 'string' ? urls.split(',') : urls.flatMap((url) => url.split(','))).map((entry) => entry.trim());
  const parsed = entries.filter((entry) => entry !== '');
  if (parsed.length === 0) throw new Error('names no broker URL');
  for (const entry of parsed) {
    let scheme: string;
    try {
      scheme = new URL(entry).protocol;
    } catch {
      throw new Error(`"${redactedBrokerUrl(entry)}" is not a URL`);
    }
    if (!BROKER_SCHEMES.includes(scheme)) throw new Error(`"${redactedBrokerUrl(entry)}" is not an amqp:// or amqps:// URL`);
  }
  return parsed;
}

/** A broker URL fit for a log line: its password replaced. */
export function redactedBrokerUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');
  }
}
