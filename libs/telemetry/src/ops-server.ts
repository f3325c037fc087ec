import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { drainConnectionsOnShutdown } from './connection-drain.js';
import type { Logger } from './logger.js';

/** Each service's own Prometheus registry, with process metrics. */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry });

export type ReadinessCheck = () => Promise<void> | void;

export interface OpsServer {
  port: number;
  url: string;
  /** Adds a readiness check; a throwing check makes /readyz answer 503 with its message. */
  addReadinessCheck(name: string, check: ReadinessCheck): void;
  /** Logs the "service ready" line that launchers and tests wait for. */
  markReady(details?: Record<string, unknown>): void;
  close(): Promise<void>;
}

/**
 * The operations endpoints every service serves on OPS_PORT: /healthz (liveness: the event loop
 * answers), /readyz (dependencies connected and consumers bound), /metrics (Prometheus).
 */
export async function startOpsServer(options: { port: number; logger: Logger; host?: string }): Promise<OpsServer> {
  const checks = new Map<string, ReadinessCheck>();
  let ready = false;

  const server: Server = createServer(async (request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path === '/healthz') {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    } else if (path === '/readyz') {
      const failures: Record<string, string> = {};
      if (!ready) failures.startup = 'still starting';
      for (const [name, check] of checks) {
        try {
          await check();
        } catch (error) {
          failures[name] = (error as Error).message;
        }
      }
      const ok = Object.keys(failures).length === 0;
      response
        .writeHead(ok ? 200 : 503, { 'content-type': 'application/json' })
        .end(JSON.stringify(ok ? { status: 'ready' } : { status: 'not ready', failures }));
    } else if (path === '/metrics') {
      response.writeHead(200, { 'content-type': metricsRegistry.contentType }).end(await metricsRegistry.metrics());
    } else {
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"code":"not_found","message":"no such route"}}');
    }
  });

  const connections = drainConnectionsOnShutdown(server);

  const host = options.host ?? (process.env.OPS_HOST || '0.0.0.0');
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    port,
    url: `http://127.0.0.1:${port}`,
    addReadinessCheck: (name, check) => checks.set(name, check),
    markReady(details = {}) {
      ready = true;
      options.logger.info({ opsPort: port, ...details }, 'service ready');
    },
    close: () => connections.close(),
  };
}
