// Builds the dashboard (vite build into services/admin-ui/dist) when the build is missing or
// older than its sources. Used by `npm start` and the browser tests. Plain Node built-ins.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const uiRoot = fileURLToPath(new URL('..', import.meta.url));
export const uiDist = path.join(uiRoot, 'dist');
const SOURCES = ['src', 'index.html', 'vite.config.ts', 'package.json'];

/** Why the build must be redone, or undefined when dist/ is up to date. */
export function staleReason() {
  const built = path.join(uiDist, 'index.html');
  if (!existsSync(built)) return 'services/admin-ui/dist is missing';
  const builtAt = statSync(built).mtimeMs;
  const newer = SOURCES.map((source) => path.join(uiRoot, source)).find((source) => newestChange(source) > builtAt);
  return newer ? `${path.relative(uiRoot, newer)} changed since the last build` : undefined;
}

function newestChange(file) {
  if (!existsSync(file)) return 0;
  const info = statSync(file);
  if (!info.isDirectory()) return info.mtimeMs;
  return readdirSync(file).reduce((newest, name) => Math.max(newest, newestChange(path.join(file, name))), info.mtimeMs);
}

/**
 * Runs `vite build` when needed. Resolves to true when it built, false when dist/ was fresh;
 * rejects with the build's exit code otherwise.
 */
export async function ensureUiBuilt({ log = (line) => process.stderr.write(`${line}\n`), force = false } = {}) {
  const reason = force ? 'a rebuild was asked for' : staleReason();
  if (!reason) return false;
  log(`Building the dashboard (${reason}): vite build`);
  const vitePackage = createRequire(path.join(uiRoot, 'package.json')).resolve('vite/package.json');
  const viteBin = path.join(path.dirname(vitePackage), 'bin', 'vite.js');
  const code = await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [viteBin, 'build', '--logLevel', 'warn'], { cwd: uiRoot, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0)));
  });
  if (code !== 0) throw new Error(`Building the dashboard failed (vite exit code ${code}); see its output above.`);
  return true;
}

// `node services/admin-ui/scripts/ensure-built.mjs [--force]`
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  ensureUiBuilt({ force: process.argv.includes('--force') }).then(
    (built) => !built && process.stderr.write('The dashboard build is up to date.\n'),
    (error) => {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    },
  );
}
