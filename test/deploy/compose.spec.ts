/**
 * docker/ held to the code, without a Docker engine (none runs on the
 * development machines): every service's command is an entry point the image
 * builds, every variable it sets is one its program reads (and loads), the
 * image's Node is the one package.json's engines names, the health check asks
 * a path the api serves, and every metric the dashboard and Prometheus use is
 * one the code registers, with the labels it has.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PATH_METADATA } from '@nestjs/common/constants';
import { parse } from 'yaml';
import { CONFIG_DEFAULTS, CONFIG_ENV, loadConfig } from '@turnout/config';
import { HealthController } from '../../apps/api/src/operations/health.controller';

const ROOT = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  expose?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }> | string[];
  volumes?: string[];
  profiles?: string[];
}

const compose = parse(read('docker/compose.yaml'), { merge: true }) as { services: Record<string, ComposeService> };
const services = Object.entries(compose.services);
const turnoutImage = services.filter(([, service]) => service.build !== undefined);
const named = (name: string): ComposeService => {
  const service = compose.services[name];
  if (service === undefined) throw new Error(`docker/compose.yaml has no service ${name}`);
  return service;
};

/**
 * A service's environment as Compose gives it, `${VAR:-default}` taken from
 * `shell` (the environment `docker compose` runs in), else the default.
 */
function interpolated(environment: Record<string, string> = {}, shell: Record<string, string> = {}): Record<string, string> {
  return Object.fromEntries(
    Object.entries(environment).map(([name, value]) => [name, value.replace(/\$\{(\w+)(?::-([^}]*))?\}/g, (_, variable: string, fallback?: string) => shell[variable] || (fallback ?? ''))]),
  );
}

/** run.mjs's ENTRY_POINTS, read from its source (it runs one on import). */
function runEntryPoints(): Record<string, string> {
  const block = /const ENTRY_POINTS = \{([^}]*)\}/.exec(read('scripts/run.mjs'))?.[1] ?? '';
  return Object.fromEntries([...block.matchAll(/(\w+): '([^']+)'/g)].map(([, name, entry]) => [name as string, entry as string]));
}

/** The source a built file under dist/ comes from (tsc -b: each project's rootDir to its outDir). */
function sourceOf(built: string): string {
  const match = /^dist\/(apps\/\w+|examples)\/(.+)\.js$/.exec(built);
  if (match === null) throw new Error(`${built} is not a file the build writes`);
  return match[1] === 'examples' ? `examples/${match[2]}.ts` : `${match[1]}/src/${match[2]}.ts`;
}

/** What the examples read besides the worker SDK's CONDUCTOR_WORKER_* settings. */
function exampleVariables(): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) for (const [, name] of read(path).matchAll(/process\.env\.(\w+)/g)) names.add(name as string);
    }
  };
  walk('examples');
  return names;
}

/** Every prom-client metric the apps and libraries register, with its kind and labels. */
function registeredMetrics(): Map<string, { kind: string; labels: string[] }> {
  const metrics = new Map<string, { kind: string; labels: string[] }>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !/\.(spec|e2e-spec)\.ts$/.test(entry.name)) {
        const definitions = read(path).matchAll(/new (Counter|Gauge|Histogram|Summary)\(\{\s*name: '(\w+)'([\s\S]*?)registers:/g);
        for (const [, kind, name, rest] of definitions) {
          const labels = /labelNames: \[([^\]]*)\]/.exec(rest ?? '')?.[1] ?? '';
          metrics.set(name as string, { kind: kind as string, labels: [...labels.matchAll(/'(\w+)'/g)].map(([, label]) => label as string) });
        }
      }
    }
  };
  for (const dir of ['apps', 'libs']) walk(dir);
  return metrics;
}

describe('docker/compose.yaml', () => {
  it('starts every Turnout service through an entry point the image builds', () => {
    const entryPoints = runEntryPoints();
    expect(Object.keys(entryPoints)).toEqual(expect.arrayContaining(['api', 'router', 'migrate']));
    const dockerfile = read('docker/Dockerfile');
    expect(turnoutImage.map(([name]) => name).sort()).toEqual(['api', 'doug-worker', 'hello-world-worker', 'migrate', 'router']);
    for (const [name, service] of turnoutImage) {
      const [program, script, argument, ...rest] = service.command ?? [];
      expect([name, program]).toEqual([name, 'node']);
      if (script === 'scripts/run.mjs') {
        expect([name, rest]).toEqual([name, []]);
        const entry = entryPoints[argument ?? ''];
        expect([name, entry]).toEqual([name, expect.any(String)]);
        expect([name, existsSync(join(ROOT, sourceOf(entry as string)))]).toEqual([name, true]);
      } else {
        // An example worker: its built file, run as its npm script runs it, built by the image.
        expect([name, argument]).toEqual([name, undefined]);
        expect([name, existsSync(join(ROOT, sourceOf(script ?? '')))]).toEqual([name, true]);
        const scripts = Object.values((JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts);
        expect(scripts).toContain(`npm run build:examples && node ${script}`);
        expect(dockerfile).toMatch(/npm run build:examples/);
        expect(dockerfile).toMatch(/^COPY examples examples$/m);
      }
    }
  });

  it('sets only variables its programs read, with values the config accepts, naming hosts that are services', () => {
    const configVariables = new Set(Object.values(CONFIG_ENV));
    // Besides what the examples read, the SDK's runner reads the OTLP endpoint (libs/config's one reading of it).
    const workerVariables = new Set([...exampleVariables(), CONFIG_ENV.otlpEndpoint]);
    expect(workerVariables).toContain('AMQP_URL');
    expect(read('libs/worker/src/task-runner.ts')).toMatch(/startTracing\(otlpEndpointOf\(environment\)/);
    for (const [name, service] of turnoutImage) {
      const environment = interpolated(service.environment);
      const isWorker = service.command?.[1] !== 'scripts/run.mjs';
      for (const variable of Object.keys(environment)) {
        const read = isWorker ? workerVariables.has(variable) || variable.startsWith('CONDUCTOR_WORKER_') : configVariables.has(variable);
        expect([name, variable, read]).toEqual([name, variable, true]);
      }
      if (!isWorker) expect(() => loadConfig(environment)).not.toThrow();
      for (const url of ['DATABASE_URL', 'AMQP_URL'].map((variable) => environment[variable]).filter((url) => url !== undefined)) {
        for (const each of (url as string).split(',')) expect([name, Object.keys(compose.services)]).toEqual([name, expect.arrayContaining([new URL(each).hostname])]);
      }
    }
  });

  it('checks the api on a path the api serves, and starts nothing before what it needs is healthy', () => {
    const test = named('api').healthcheck?.test.join(' ') ?? '';
    const url = /'(http:\/\/127\.0\.0\.1:(\d+)(\/[\w/]*))'/.exec(test);
    expect(url).not.toBeNull();
    const [, , port, path] = url as RegExpExecArray;
    // The api listens on the default PORT (compose sets none), and serves the path outside the /api prefix.
    expect(Number(port)).toBe(CONFIG_DEFAULTS.port);
    expect(named('api').environment).not.toHaveProperty(CONFIG_ENV.port);
    expect(`/${Reflect.getMetadata(PATH_METADATA, HealthController)}`).toBe(path);
    const prefixExclusions = /setGlobalPrefix\('api', \{ exclude: \[([^\]]*)\] \}\)/.exec(read('apps/api/src/main.ts'))?.[1] ?? '';
    expect(prefixExclusions).toContain(`'${path?.slice(1)}'`);

    for (const [name, service] of services) {
      const dependencies = Array.isArray(service.depends_on) ? {} : (service.depends_on ?? {});
      for (const [dependency, { condition }] of Object.entries(dependencies)) {
        expect([name, dependency, Object.keys(compose.services)]).toEqual([name, dependency, expect.arrayContaining([dependency])]);
        if (condition === 'service_healthy') expect([name, dependency, named(dependency).healthcheck]).toEqual([name, dependency, expect.anything()]);
      }
    }
    for (const name of ['api', 'router']) {
      expect(named(name).depends_on).toMatchObject({
        postgres: { condition: 'service_healthy' },
        rabbitmq: { condition: 'service_healthy' },
        migrate: { condition: 'service_completed_successfully' },
      });
    }
    // RabbitMQ with its management plugin.
    expect(named('rabbitmq').image).toMatch(/^rabbitmq:[\d.]+-management$/);
  });

  it('scales api and router: no host port on either, one published port in front of every api', () => {
    expect(named('api').ports).toBeUndefined();
    expect(named('router').ports).toBeUndefined();
    expect(named('api').expose).toEqual([String(CONFIG_DEFAULTS.port)]);
    expect(named('router').expose).toEqual([String(CONFIG_DEFAULTS.routerMetricsPort)]);
    expect(named('balancer').ports).toEqual([`${CONFIG_DEFAULTS.port}:8080`]);
    // The balancer finds the api's containers by the service's name, on the api's port.
    expect(read('docker/balancer/Caddyfile')).toMatch(new RegExp(`dynamic a api ${CONFIG_DEFAULTS.port} `));
    expect(named('balancer').volumes).toContain('./balancer/Caddyfile:/etc/caddy/Caddyfile:ro');
  });
});

describe('docker/Dockerfile', () => {
  const dockerfile = read('docker/Dockerfile');
  const stages = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map(([, image]) => image as string);

  it("runs the Node that package.json's engines names, in a slim image", () => {
    const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
    const minimum = /^>=(\d+)$/.exec(engines)?.[1];
    expect(minimum).toBeDefined();
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const image of stages) expect(image).toBe(`node:${minimum}-bookworm-slim`);
  });

  it('builds in one stage and runs the production dependencies alone, as a user other than root', () => {
    const [build, run] = dockerfile.split(/^FROM /m).slice(1);
    expect(build).toMatch(/npm ci/);
    expect(build).toMatch(/npm prune --omit=dev/);
    expect(run).toMatch(/^COPY --from=build \/turnout\/node_modules node_modules$/m);
    expect(run).not.toMatch(/npm (ci|install)/);
    expect(run).toMatch(/^USER node$/m);
    expect(run).toMatch(/^CMD \["node", "scripts\/run.mjs", "api"\]$/m);
  });
});

describe('the observability profile', () => {
  const metrics = registeredMetrics();
  const dashboard = JSON.parse(read('docker/grafana/dashboards/turnout-routing.json')) as {
    panels: { title: string; targets: { expr: string }[] }[];
  };

  it("scrapes every api and every router on the ports they serve metrics on, found through Docker's DNS", () => {
    const prometheus = parse(read('docker/prometheus/prometheus.yml')) as {
      scrape_configs: { job_name: string; metrics_path: string; dns_sd_configs: { names: string[]; type: string; port: number }[] }[];
    };
    const targets = prometheus.scrape_configs.map((job) => ({ path: job.metrics_path, ...job.dns_sd_configs[0] }));
    expect(targets).toEqual([
      { path: '/metrics', names: ['api'], type: 'A', port: CONFIG_DEFAULTS.port, refresh_interval: expect.any(String) },
      { path: '/metrics', names: ['router'], type: 'A', port: CONFIG_DEFAULTS.routerMetricsPort, refresh_interval: expect.any(String) },
    ]);
    // The api serves /metrics outside the /api prefix; the router's own server answers /metrics.
    expect(read('apps/api/src/main.ts')).toMatch(/exclude: \[[^\]]*'metrics'/);
    expect(read('libs/metrics/src/serve-metrics.ts')).toContain("request.url !== '/metrics'");
    for (const service of ['prometheus', 'grafana']) expect(named(service).profiles).toEqual(['observability']);
    expect(named('prometheus').volumes).toContain('./prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro');
  });

  it('charts tasks routed, queue depth, routing latency and active workers with metrics and labels the code registers', () => {
    expect(dashboard.panels.map((panel) => panel.title)).toEqual(
      expect.arrayContaining([
        'Tasks routed by task type, domain and rule',
        'Queue depth per domain',
        'Routing latency',
        'Active workers per domain',
      ]),
    );
    const used = dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr));
    expect(used.length).toBeGreaterThanOrEqual(4);
    for (const expr of used) {
      const names = [...expr.matchAll(/\b(turnout_\w+)/g)].map(([, name]) => name as string);
      expect(names.length).toBeGreaterThan(0);
      for (const name of names) {
        // A histogram is exported as <name>_bucket, _sum and _count.
        const base = metrics.has(name) ? name : name.replace(/_(bucket|sum|count)$/, '');
        const metric = metrics.get(base);
        expect([expr, name, metric?.kind]).toEqual([expr, name, base === name ? expect.any(String) : 'Histogram']);
        const grouped = /by \(([^)]*)\)/.exec(expr)?.[1].split(',').map((label) => label.trim()) ?? [];
        const labels = base === name ? (metric?.labels ?? []) : ['le'];
        for (const label of grouped) expect([expr, label, labels]).toEqual([expr, label, expect.arrayContaining([label])]);
      }
    }
    expect(named('grafana').volumes).toEqual(
      expect.arrayContaining(['./grafana/provisioning:/etc/grafana/provisioning:ro', './grafana/dashboards:/var/lib/grafana/dashboards:ro']),
    );
    expect(read('docker/grafana/provisioning/dashboards/turnout.yaml')).toContain('path: /var/lib/grafana/dashboards');
  });

  it('exports every process\'s traces to Jaeger when OTEL_EXPORTER_OTLP_ENDPOINT is set as the compose file says, and none otherwise', () => {
    // The documented way: the variable set in the shell that runs docker compose.
    const documented = /^#\s+OTEL_EXPORTER_OTLP_ENDPOINT=(\S+) docker compose -f docker\/compose.yaml --profile observability up/m.exec(read('docker/compose.yaml'))?.[1];
    expect(documented).toBeDefined();
    const endpoint = new URL(documented as string);
    const jaeger = named('jaeger');
    expect(jaeger.profiles).toEqual(['observability']);
    expect(jaeger.image).toMatch(/^jaegertracing\/all-in-one:[\d.]+$/);
    expect(jaeger.environment).toMatchObject({ COLLECTOR_OTLP_ENABLED: 'true' });
    // OTLP over HTTP for the processes, the trace viewer for people.
    expect([endpoint.hostname, endpoint.port]).toEqual(['jaeger', '4318']);
    expect(jaeger.expose).toContain('4318');
    expect(jaeger.ports).toContain('16686:16686');
    for (const [name, service] of turnoutImage) {
      expect([name, service.environment?.[CONFIG_ENV.otlpEndpoint]]).toEqual([name, `\${${CONFIG_ENV.otlpEndpoint}:-}`]);
      const on = interpolated(service.environment, { [CONFIG_ENV.otlpEndpoint]: documented as string });
      expect([name, on[CONFIG_ENV.otlpEndpoint]]).toEqual([name, documented]);
      const off = interpolated(service.environment);
      if (service.command?.[1] === 'scripts/run.mjs') {
        expect([name, loadConfig(on).otlpEndpoint]).toEqual([name, documented]);
        expect([name, loadConfig(off).otlpEndpoint]).toEqual([name, null]);
      }
    }
  });

  it('finds the metrics this reads (a check that reads nothing passes anything)', () => {
    expect([...metrics.keys()].sort()).toEqual(
      expect.arrayContaining(['turnout_active_workers', 'turnout_queue_depth', 'turnout_routing_seconds', 'turnout_tasks_routed_total']),
    );
    expect(metrics.get('turnout_tasks_routed_total')?.labels).toEqual(['task_type', 'domain', 'rule']);
  });
});
