// Runs the Anthropic Messages API stand-in on its own, answering with its default replies:
//   node --import @swc-node/register/esm-register libs/sandbox/src/anthropic/main.ts
// ANTHROPIC_SANDBOX_HOST (default 127.0.0.1) and ANTHROPIC_SANDBOX_PORT (default 8787) choose where it listens.
import { startAnthropicSandbox } from './anthropic-sandbox.js';

const port = Number(process.env['ANTHROPIC_SANDBOX_PORT'] ?? 8787);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  throw new Error(
    `ANTHROPIC_SANDBOX_PORT must be a port number (0-65535), got "${process.env['ANTHROPIC_SANDBOX_PORT']}"`,
  );
}
const sandbox = await startAnthropicSandbox({
  host: process.env['ANTHROPIC_SANDBOX_HOST'] ?? '127.0.0.1',
  port,
});
console.log(
  `Anthropic sandbox listening: ANTHROPIC_BASE_URL=${sandbox.url} (any ANTHROPIC_API_KEY is accepted)`,
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void sandbox.close().then(() => process.exit(0)));
}
