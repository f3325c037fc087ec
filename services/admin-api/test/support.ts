import { startService, type RunningService } from '@steward/runtime';
import type { AdminApiConfig } from '../src/config.js';
import { adminApiService } from '../src/service.js';

export type AdminApi = RunningService<AdminApiConfig>;

/**
 * The environment of a service started in-process next to admin-api: the shared NATS, the test
 * database (each service keeps to its own schema, migrated at start), quiet logs, any ops port.
 */
export function inProcessServiceEnv(databaseUrl: string): Record<string, string> {
  return {
    NATS_URL: process.env.NATS_URL!,
    DATABASE_URL: databaseUrl,
    STEWARD_MIGRATE_ON_START: '1',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    OPS_PORT: '0',
  };
}

/** Starts admin-api in-process on an ephemeral port against the given database. */
export function startAdminApi(databaseUrl: string, env: Record<string, string> = {}): Promise<AdminApi> {
  // The runtime reads the listen address from the process environment only.
  process.env.HTTP_HOST = '127.0.0.1';
  return startService(adminApiService, { ...inProcessServiceEnv(databaseUrl), ADMIN_PORT: '0', ...env });
}

export interface CallOptions {
  method?: string;
  key?: string;
  /** Sent as JSON unless it is already a string. */
  body?: unknown;
  headers?: Record<string, string>;
}

/** A parsed JSON response body; tests probe its shape with expect(). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type JsonBody = any;

/** One HTTP request to the API; the parsed JSON body (or null) with the status. */
export async function call(
  api: AdminApi,
  path: string,
  options: CallOptions = {},
): Promise<{ status: number; body: JsonBody; headers: Headers }> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(`${api.httpUrl}${path}`, {
    method: options.method ?? (body ? 'POST' : 'GET'),
    headers,
    body,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null, headers: response.headers };
}
