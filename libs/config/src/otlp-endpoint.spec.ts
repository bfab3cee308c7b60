import { ConfigError, loadConfig, otlpEndpointOf } from './turnout-config';

describe('OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  it('is off (null) unless set, blank counting as unset', () => {
    expect(loadConfig({}).otlpEndpoint).toBeNull();
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: ' ' }).otlpEndpoint).toBeNull();
  });

  it('keeps an http(s) base URL, without a trailing slash, for the config and the worker SDK alike', () => {
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318/' }).otlpEndpoint).toBe('http://jaeger:4318');
    expect(otlpEndpointOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector.example/otlp' })).toBe('https://collector.example/otlp');
  });

  it('stops the process with the variable named on anything else', () => {
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'jaeger:4318' })).toThrow(ConfigError);
    expect(() => otlpEndpointOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'grpc://jaeger:4317' })).toThrow(
      'OTEL_EXPORTER_OTLP_ENDPOINT: "grpc://jaeger:4317" is not an http:// or https:// URL',
    );
    expect(() => otlpEndpointOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' })).toThrow('OTEL_EXPORTER_OTLP_ENDPOINT: "not a url" is not a URL');
  });
});
