import { Buckets, Streams } from '@steward/contracts';
import type { RunningService, ServiceDefinition } from '@steward/runtime';
import { GatewayModule } from './app.module.js';
import { gatewayEnv, type GatewayConfig } from './config.js';
import { identifyBucket } from './identify/kv-identify-throttler.js';
import { GatewaySupervisor } from './shards/gateway-supervisor.js';

/** The gateway: Discord WebSocket shards in, every dispatch out to JetStream (DISCORD_EVT). */
export const gatewayService: ServiceDefinition<GatewayConfig> = {
  name: 'gateway',
  configSchema: gatewayEnv,
  module: () => GatewayModule,
  streams: [Streams.discordEvents],
  buckets: [Buckets.gatewaySessions, Buckets.gatewayStatus, Buckets.configApps, identifyBucket],
  onStarted: (service) => addShardReadiness(service),
};

/** /readyz answers 503 until every shard this replica runs is READY or RESUMED. */
export function addShardReadiness(service: RunningService<GatewayConfig>): void {
  const supervisor = service.app.get(GatewaySupervisor);
  service.ops.addReadinessCheck('shards', () => {
    const problems = supervisor.readinessProblems();
    if (problems.length > 0) throw new Error(problems.join('; '));
  });
}
