import { parseBrokerUrls, redactedBrokerUrl } from './broker-urls';
import { ConfigError, loadConfig } from './turnout-config';

describe('parseBrokerUrls', () => {
  it('reads one URL as a list of one', () => {
    expect(parseBrokerUrls('amqp://guest:guest@127.0.0.1:5672')).toEqual(['amqp://guest:guest@127.0.0.1:5672']);
  });

  it('reads a comma-separated list in its order, spaces and empty entries dropped', () => {
    expect(parseBrokerUrls(' amqp://a:5681 ,amqps://b:5682/vh,, amqp://c:5683 ')).toEqual(['amqp://a:5681', 'amqps://b:5682/vh', 'amqp://c:5683']);
  });

  it('takes a list already split, and splits entries that are lists themselves', () => {
    expect(parseBrokerUrls(['amqp://a:5681', 'amqp://b:5682,amqp://c:5683'])).toEqual(['amqp://a:5681', 'amqp://b:5682', 'amqp://c:5683']);
  });

  it('refuses a list with no URL', () => {
    expect(() => parseBrokerUrls(' , ')).toThrow('names no broker URL');
    expect(() => parseBrokerUrls([])).toThrow('names no broker URL');
  });

  it('refuses an entry that is not an amqp URL, naming it without its password', () => {
    expect(() => parseBrokerUrls('amqp://a:5681,http://guest:secret@b:15672')).toThrow('"http://guest:***@b:15672" is not an amqp:// or amqps:// URL');
    expect(() => parseBrokerUrls('amqp://a:5681,localhost:5672')).toThrow('"localhost:5672" is not an amqp:// or amqps:// URL');
    expect(() => parseBrokerUrls('no url at all')).toThrow('"no url at all" is not a URL');
  });
});

describe('redactedBrokerUrl', () => {
  it('hides the password and keeps the rest', () => {
    expect(redactedBrokerUrl('amqp://guest:guest@127.0.0.1:5681/vh')).toBe('amqp://guest:***@127.0.0.1:5681/vh');
    expect(redactedBrokerUrl('amqp://127.0.0.1:5681')).toBe('amqp://127.0.0.1:5681');
  });
});

describe('AMQP_URL in the configuration', () => {
  it('keeps a valid list as given', () => {
    expect(loadConfig({ AMQP_URL: 'amqp://a:5681,amqp://b:5682' }).amqpUrl).toBe('amqp://a:5681,amqp://b:5682');
  });

  it('stops at start with the variable named when an entry is not a broker URL', () => {
    expect(() => loadConfig({ AMQP_URL: 'amqp://a:5681,b:5682' })).toThrow(ConfigError);
    expect(() => loadConfig({ AMQP_URL: 'amqp://a:5681,b:5682' })).toThrow('AMQP_URL: "b:5682" is not an amqp:// or amqps:// URL');
  });
});
