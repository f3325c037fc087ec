/**
 * A plain discord.js `Client` (default caches, the intents a support bot needs) connected to
 * the sandbox and doing nothing else: the memory yardstick for the gateway benchmark. Prints
 * one JSON line `ready` with its guild count once every shard is ready.
 *
 * Environment: PLAIN_CLIENT_TOKEN, PLAIN_CLIENT_API_URL (the sandbox REST base), PLAIN_CLIENT_SHARDS.
 */
import { Client, Events, GatewayIntentBits } from 'discord.js';
import { z } from 'zod';

const env = z
  .object({
    PLAIN_CLIENT_TOKEN: z.string().min(1),
    PLAIN_CLIENT_API_URL: z.url(),
    PLAIN_CLIENT_SHARDS: z.coerce.number().int().min(1).default(1),
  })
  .parse(process.env);

const client = new Client({
  intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent],
  shardCount: env.PLAIN_CLIENT_SHARDS,
  shards: 'auto',
  rest: { api: env.PLAIN_CLIENT_API_URL },
});

client.once(Events.ClientReady, (ready) => {
  process.stdout.write(`${JSON.stringify({ msg: 'ready', guilds: ready.guilds.cache.size, pid: process.pid })}\n`);
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void client.destroy().finally(() => process.exit(0)));
}
await client.login(env.PLAIN_CLIENT_TOKEN);
