#!/usr/bin/env node
// Runs Jest for the project in the current directory with native ESM support.
// Usage (from a project's package.json): "test": "node ../../tools/jest-esm.mjs"
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const jestBin = require.resolve('jest/bin/jest');
const child = spawn(
  process.execPath,
  // --forceExit: a test that leaves a handle open must not hang the whole run (CI has a deadline);
  // servers a test started are still stopped by its own teardown and by @steward/testing's exit hook.
  ['--experimental-vm-modules', '--no-warnings=ExperimentalWarning', jestBin, '--runInBand', '--forceExit', ...process.argv.slice(2)],
  { stdio: 'inherit' },
);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
