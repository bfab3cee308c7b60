import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import { messageOf } from '@turnout/domain';

/**
 * Serves a registry as `GET /metrics` on a port of its own, for a process
 * without an HTTP server (the router). Resolves with the listening server;
 * rejects when the port cannot be bound.
 */
export function serveMetrics(registry: Registry, port: number): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.url !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (error: unknown) => response.writeHead(500, { 'content-type': 'text/plain' }).end(messageOf(error)),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
