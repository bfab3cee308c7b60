import { ConfigError, loadConfig } from './turnout-config';

describe('API_KEYS', () => {
  it('is none by default: the api runs open', () => {
    expect(loadConfig({}).apiKeys).toEqual([]);
    expect(loadConfig({ API_KEYS: ' ' }).apiKeys).toEqual([]);
  });

  it('reads keyId:keySecret pairs, the secret being everything after the first colon', () => {
    expect(loadConfig({ API_KEYS: 'ci:s3cret, ops : a:b:c ' }).apiKeys).toEqual([
      { keyId: 'ci', keySecret: 's3cret' },
      { keyId: 'ops', keySecret: 'a:b:c' },
    ]);
  });

  it('stops the process naming the pair by position, never echoing a secret', () => {
    expect(() => loadConfig({ API_KEYS: 'ci:one,broken' })).toThrow(new ConfigError('API_KEYS', 'key 2 must be <keyId>:<keySecret>, both non-empty'));
    expect(() => loadConfig({ API_KEYS: 'ci:' })).toThrow(new ConfigError('API_KEYS', 'key 1 must be <keyId>:<keySecret>, both non-empty'));
    expect(() => loadConfig({ API_KEYS: 'ci:one,ci:two' })).toThrow(new ConfigError('API_KEYS', 'key 2 repeats the keyId "ci"'));
    expect(() => loadConfig({ API_KEYS: 'ci:hunter2,:hunter3' })).toThrow(/^API_KEYS: key 2 must be <keyId>:<keySecret>, both non-empty$/);
  });
});

describe('API_TOKEN_TTL_SECONDS and MAX_BODY_BYTES', () => {
  it('default to an hour and 1 MiB', () => {
    expect(loadConfig({})).toMatchObject({ apiTokenTtlSeconds: 3600, maxBodyBytes: 1_048_576 });
    expect(loadConfig({ API_TOKEN_TTL_SECONDS: '2', MAX_BODY_BYTES: '2048' })).toMatchObject({ apiTokenTtlSeconds: 2, maxBodyBytes: 2048 });
  });

  it('are positive integers', () => {
    expect(() => loadConfig({ MAX_BODY_BYTES: '1mb' })).toThrow(new ConfigError('MAX_BODY_BYTES', 'must be a positive integer, got "1mb"'));
  });
});
