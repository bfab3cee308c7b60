import { ConfigError, loadConfig } from './turnout-config';

describe('LOG_FORMAT', () => {
  it('is text for people unless json is asked for', () => {
    expect(loadConfig({}).logFormat).toBe('text');
    expect(loadConfig({ LOG_FORMAT: 'json' }).logFormat).toBe('json');
    expect(loadConfig({ LOG_FORMAT: ' text ' }).logFormat).toBe('text');
  });

  it('stops the process with the variable name on anything else', () => {
    expect(() => loadConfig({ LOG_FORMAT: 'pretty' })).toThrow(new ConfigError('LOG_FORMAT', 'must be one of json, text, got "pretty"'));
  });
});
