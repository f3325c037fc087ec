/**
 * The baseline: a support bot built the usual way, in one process — a discord.js `Client`
 * holding the gateway, the same offline answer logic from `@steward/ai` over an in-memory copy
 * of the knowledge, per-member memory in a Map, and `message.reply()`. No queue, no database,
 * nothing survives a crash. Benchmarks run it as its own process against the same sandbox:
 *
 *   node --import @swc-node/register/esm-register test/load/baseline/monolith-bot.ts
 *
 * with MONOLITH_TOKEN, MONOLITH_API_URL (the sandbox REST base), MONOLITH_SHARDS,
 * MONOLITH_GLOBAL_REQUESTS_PER_SECOND (the bot's global REST limit, default Discord's 50) and
 * MONOLITH_KNOWLEDGE (a JSON array of {title, content}). It prints one JSON line `ready`
 * with the guild count once every shard is ready.
 */
import { Client, Events, GatewayIntentBits, Options, type Message } from 'discord.js';
import { detectLanguage, OfflineEngine, type HistoryTurn, type KnowledgePassage } from '@steward/ai';
import { z } from 'zod';

const env = z
  .object({
    MONOLITH_TOKEN: z.string().min(1),
    MONOLITH_API_URL: z.url(),
    MONOLITH_SHARDS: z.coerce.number().int().min(1).default(1),
    MONOLITH_GLOBAL_REQUESTS_PER_SECOND: z.coerce.number().int().min(1).default(50),
    MONOLITH_KNOWLEDGE: z.string().default('[]'),
  })
  .parse(process.env);
const knowledge = z.array(z.object({ title: z.string(), content: z.string() })).parse(JSON.parse(env.MONOLITH_KNOWLEDGE));

const passages: KnowledgePassage[] = knowledge.map((document, i) => ({ documentId: String(i), title: document.title, content: document.content, score: 1 }));
const engine = new OfflineEngine();
const memory = new Map<string, HistoryTurn[]>();
const MEMORY_TURNS = 6;

const client = new Client({
  intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent],
  shardCount: env.MONOLITH_SHARDS,
  shards: 'auto',
  rest: { api: env.MONOLITH_API_URL, globalRequestsPerSecond: env.MONOLITH_GLOBAL_REQUESTS_PER_SECOND },
  // The usual default caches, minus message history (a support bot does not need it).
  makeCache: Options.cacheWithLimits({ ...Options.DefaultMakeCacheSettings, MessageManager: 0 }),
});

async function answer(message: Message): Promise<void> {
  const question = message.content.replace(/<@!?\d+>/g, '').trim();
  const history = memory.get(message.author.id) ?? [];
  const result = await engine.answer({
    question,
    language: detectLanguage(question),
    passages,
    wholeKnowledgeBase: true,
    history,
    channelContext: [],
  });
  const sources = result.sourceDocumentIds.map((id) => knowledge[Number(id)]?.title).filter(Boolean);
  const content = sources.length ? `${result.text}\n\nSources: ${sources.join(', ')}` : result.text;
  await message.reply({ content, allowedMentions: { parse: [], repliedUser: false } });
  memory.set(message.author.id, [...history, { role: 'member' as const, content: question }, { role: 'assistant' as const, content: result.text }].slice(-MEMORY_TURNS));
}

client.on(Events.MessageCreate, (message) => {
  if (message.author.bot || !client.user || !message.mentions.users.has(client.user.id)) return;
  answer(message).catch((error: unknown) => process.stderr.write(`reply failed: ${String(error)}\n`));
});

client.once(Events.ClientReady, (ready) => {
  process.stdout.write(`${JSON.stringify({ msg: 'ready', guilds: ready.guilds.cache.size, pid: process.pid })}\n`);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void client.destroy().finally(() => process.exit(0)));
}

await client.login(env.MONOLITH_TOKEN);
