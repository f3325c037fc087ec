import { Buckets, Streams } from '@steward/contracts';
import type { ServiceDefinition } from '@steward/runtime';
import { AppModule } from './app.module.js';
import { adminApiEnv, type AdminApiConfig } from './config.js';
import { database } from './database.js';
import { registerMultipartUploads } from './knowledge/multipart-upload.js';
import { setUpOpenApi } from './openapi/openapi.setup.js';

/** Tenants, users, API keys and the REST API of the dashboard (`/api/v1`, docs at `/api/docs`). */
export const adminApiService: ServiceDefinition<AdminApiConfig> = {
  name: 'admin-api',
  configSchema: adminApiEnv,
  module: () => AppModule,
  buckets: [Buckets.configGuilds, Buckets.configApps, Buckets.gatewayStatus],
  streams: [Streams.facts],
  database,
  httpPort: (config) => config.ADMIN_PORT,
  configureHttp: async (app, config) => {
    await registerMultipartUploads(app, config);
    setUpOpenApi(app);
  },
};
