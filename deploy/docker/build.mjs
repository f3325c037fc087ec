#!/usr/bin/env node
// Production build of Steward, the same steps the Dockerfile runs:
//   1. compile every workspace project's `src/**/*.ts` to ES modules with SWC (decorator
//      metadata for NestJS), copying other files under `src/` (static assets) as they are;
//   2. write each project's package.json with `exports` pointing at the compiled `.js` files,
//      so `@steward/*` imports resolve in the output exactly as in development;
//   3. copy the production dependencies (what `npm ci --omit=dev` would install) from the
//      installed `node_modules` into the output, hard-linked where the filesystem allows, and
//      link the workspace packages under `node_modules/@steward/` as npm does;
//   4. smoke-test the output: every compiled service must load its whole module graph and
//      reject a bad environment with its configuration error and exit code 1.
//
// Usage: node deploy/docker/build.mjs [--out <dir>] [--skip-dependencies] [--skip-smoke-test]
// Needs the workspace's dependencies installed (`npm ci`): SWC compiles, npm's own record of
// the installed tree (node_modules/.package-lock.json) says which packages are production ones.
// The output directory is the application root: `node services/<name>/src/main.js`.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, cp, link, mkdir, readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { transformFile } from '@swc/core';
import { ensureUiBuilt } from '../../services/admin-ui/scripts/ensure-built.mjs';

export const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));

/** Same compiler settings as development (jest.preset.cjs, @swc-node/register). */
const swcOptions = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'es6' },
  sourceMaps: true,
  swcrc: false,
  configFile: false,
};

/** Files under `src/` that are tests or type-only and never ship. */
const isTestOrDeclaration = (name) => /\.(spec|test)\.[cm]?[jt]s$/.test(name) || name.endsWith('.d.ts');

/** An environment every service rejects before it touches the network. */
export const invalidEnvironment = { NATS_URL: 'not-a-nats-url' };
const invalidEnvironmentError = /NATS_URL must be nats:\/\/host:port/;

/**
 * Builds the application into `outDir` (emptied first). Returns the projects it compiled.
 * @param {{ root?: string, outDir: string, dependencies?: boolean, log?: (line: string) => void }} options
 */
export async function build({ root = repositoryRoot, outDir, dependencies = true, log = () => {} }) {
  if (!outDir) throw new Error('build: outDir is required');
  const out = path.resolve(outDir);
  if (out === path.resolve(root) || path.resolve(root).startsWith(`${out}${path.sep}`)) {
    throw new Error(`build: refusing to use ${out} as output: it contains the repository`);
  }
  const rootManifest = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
  const projects = await workspaceProjects(root, rootManifest.workspaces ?? []);

  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });

  const started = Date.now();
  let files = 0;
  for (const project of projects) {
    files += await compileProject(path.join(root, project), path.join(out, project));
  }
  log(`compiled ${files} files of ${projects.length} projects in ${Date.now() - started} ms`);
  // The dashboard's built files, which admin-api serves at / (built by main() below).
  const uiDist = path.join(root, 'services', 'admin-ui', 'dist');
  if (existsSync(uiDist)) await cp(uiDist, path.join(out, 'services', 'admin-ui', 'dist'), { recursive: true });

  const { scripts: _scripts, ...manifest } = rootManifest;
  await writeJson(path.join(out, 'package.json'), manifest);
  await copyFile(path.join(root, 'package-lock.json'), path.join(out, 'package-lock.json'));

  if (dependencies) {
    const copyStarted = Date.now();
    const count = await copyProductionDependencies(root, out);
    log(`copied ${count} production packages in ${Date.now() - copyStarted} ms`);
  }
  return { outDir: out, projects, services: await builtServices(out) };
}

/**
 * Starts every compiled service (or the `services` given) with an invalid environment and
 * checks that it prints its configuration error and exits 1: proof that the compiled module
 * graph loads.
 */
export async function smokeTest(outDir, { services: only, log = () => {} } = {}) {
  const built = await builtServices(outDir);
  if (built.length === 0) throw new Error(`smoke test: no services/*/src/main.js in ${outDir}`);
  const missing = (only ?? []).filter((service) => !built.includes(service));
  if (missing.length) throw new Error(`smoke test: not in the build: ${missing.join(', ')}`);
  const services = only ? [...only].sort() : built;
  const results = await mapWithConcurrency(services, availableParallelism(), async (service) => {
    const result = await runNode(path.join(outDir, 'services', service, 'src', 'main.js'), {
      env: invalidEnvironment,
      cwd: outDir,
    });
    const ok = result.code === 1 && invalidEnvironmentError.test(result.stderr);
    return { service, ok, ...result };
  });
  const failed = results.filter((result) => !result.ok);
  for (const result of results) log(`${result.ok ? 'ok  ' : 'FAIL'} ${result.service}`);
  if (failed.length) {
    const details = failed.map(
      (f) => `${f.service}: exit ${f.code}\n${f.stderr.trim().split('\n').slice(-15).join('\n')}`,
    );
    throw new Error(
      `smoke test failed for ${failed.map((f) => f.service).join(', ')}:\n${details.join('\n\n')}`,
    );
  }
  return results.map(({ service }) => service);
}

/** Like Promise.all over `items`, with at most `limit` calls of `fn` running at once. */
async function mapWithConcurrency(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Services in a build output: `services/<name>/src/main.js`. */
export async function builtServices(outDir) {
  const servicesDir = path.join(outDir, 'services');
  if (!existsSync(servicesDir)) return [];
  const names = await readdir(servicesDir);
  return names.filter((name) => existsSync(path.join(servicesDir, name, 'src', 'main.js'))).sort();
}

/** Runs a Node entry point with only `env` (plus PATH) and collects its output. */
export function runNode(entry, { env = {}, cwd, timeoutMs = 60_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry], {
      cwd,
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Expands the root `workspaces` entries (`dir/*` or `dir`) to folders with a package.json. */
async function workspaceProjects(root, patterns) {
  const projects = [];
  for (const pattern of patterns) {
    if (pattern.endsWith('/*')) {
      const parent = pattern.slice(0, -2);
      const entries = existsSync(path.join(root, parent))
        ? await readdir(path.join(root, parent), { withFileTypes: true })
        : [];
      for (const entry of entries) {
        if (entry.isDirectory() && existsSync(path.join(root, parent, entry.name, 'package.json')))
          projects.push(`${parent}/${entry.name}`);
      }
    } else if (!pattern.includes('*')) {
      if (existsSync(path.join(root, pattern, 'package.json'))) projects.push(pattern);
    } else {
      throw new Error(`build: unsupported workspace pattern "${pattern}" (use "dir/*" or "dir")`);
    }
  }
  return projects.sort();
}

/** Compiles one project's `src/` into the output and writes its production package.json. */
async function compileProject(projectDir, outProjectDir) {
  const manifest = JSON.parse(await readFile(path.join(projectDir, 'package.json'), 'utf8'));
  const { scripts: _scripts, ...shipped } = manifest;
  if (shipped.exports) shipped.exports = compiledPaths(shipped.exports);
  if (shipped.main) shipped.main = compiledPaths(shipped.main);
  await mkdir(outProjectDir, { recursive: true });
  await writeJson(path.join(outProjectDir, 'package.json'), shipped);

  const srcDir = path.join(projectDir, 'src');
  if (!existsSync(srcDir)) return 0;
  const files = (await readdir(srcDir, { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile() && !isTestOrDeclaration(entry.name))
    .map((entry) => path.join(entry.parentPath, entry.name));
  await Promise.all(
    files.map(async (file) => {
      const target = path.join(outProjectDir, 'src', path.relative(srcDir, file));
      await mkdir(path.dirname(target), { recursive: true });
      if (!file.endsWith('.ts')) return copyFile(file, target);
      await compileTypeScript(file, target.replace(/\.ts$/, '.js'));
    }),
  );
  return files.length;
}

/** Compiles one TypeScript file to an ES module `jsFile` (with its source map), as the build does. */
export async function compileTypeScript(file, jsFile) {
  const compiled = await transformFile(file, { ...swcOptions, filename: file }).catch((error) => {
    throw new Error(`build: cannot compile ${file}: ${error.message ?? error}`);
  });
  await mkdir(path.dirname(jsFile), { recursive: true });
  await writeFile(jsFile, `${compiled.code}\n//# sourceMappingURL=${path.basename(jsFile)}.map\n`);
  if (compiled.map) await writeFile(`${jsFile}.map`, compiled.map);
}

/** `./src/index.ts` → `./src/index.js`, in a string or any nesting of conditional exports. */
function compiledPaths(value) {
  if (typeof value === 'string') return value.replace(/\.ts$/, '.js');
  if (Array.isArray(value)) return value.map(compiledPaths);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, compiledPaths(v)]));
  return value;
}

async function writeJson(file, value) {
  await writeFile(file, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Copies the installed packages npm marks as production ones into `<out>/node_modules`: the
 * entries of npm's hidden lockfile without `dev` (as `--omit=dev` decides: `devOptional`
 * stays), each package folder without its nested `node_modules` (those are entries of their
 * own), and the workspace links. Returns the number of packages copied.
 */
async function copyProductionDependencies(root, out) {
  const installedTree = path.join(root, 'node_modules', '.package-lock.json');
  if (!existsSync(installedTree)) throw new Error(`build: ${installedTree} is missing; run npm ci first`);
  const { packages } = JSON.parse(await readFile(installedTree, 'utf8'));
  const production = Object.entries(packages).filter(
    ([location, entry]) => location.startsWith('node_modules/') && !entry.dev,
  );
  const copied = await Promise.all(
    production.map(async ([location, entry]) => {
      const source = path.join(root, location);
      const target = path.join(out, location);
      if (entry.link) {
        // A workspace package: npm links it to its folder, relative, as here.
        await mkdir(path.dirname(target), { recursive: true });
        await symlink(path.relative(path.dirname(target), path.join(out, entry.resolved)), target);
        return false;
      }
      if (!existsSync(source)) return false; // an optional package for another platform
      await linkTree(source, target, { skipTopLevel: 'node_modules' });
      return true;
    }),
  );
  return copied.filter(Boolean).length;
}

/** Type declarations and source maps of dependencies: never loaded at run time. */
const isBuildTimeOnly = (name) => /\.d\.[cm]?ts$|\.[cm]?[jt]s\.map$/.test(name);

/** Recreates a folder with hard links to its files (copies when linking is not possible). */
async function linkTree(source, target, { skipTopLevel }) {
  await mkdir(target, { recursive: true });
  for (const entry of await readdir(source, { withFileTypes: true })) {
    if (entry.name === skipTopLevel || (entry.isFile() && isBuildTimeOnly(entry.name))) continue;
    const from = path.join(source, entry.name);
    const to = path.join(target, entry.name);
    if (entry.isDirectory()) await linkTree(from, to, {});
    // Relative links stay inside the package; npm's tree has no absolute ones.
    else if (entry.isSymbolicLink()) await symlink(await readlink(from), to);
    else
      await link(from, to).catch((error) => {
        if (['EXDEV', 'EPERM', 'EMLINK'].includes(error.code)) return copyFile(from, to);
        throw error;
      });
  }
}

async function main() {
  const { values } = parseArgs({
    options: {
      out: { type: 'string', default: path.join(repositoryRoot, 'dist') },
      'skip-dependencies': { type: 'boolean', default: false },
      'skip-smoke-test': { type: 'boolean', default: false },
    },
  });
  const log = (line) => process.stderr.write(`[build] ${line}\n`);
  await ensureUiBuilt({ log });
  const result = await build({ outDir: values.out, dependencies: !values['skip-dependencies'], log });
  if (!values['skip-smoke-test']) {
    if (values['skip-dependencies'])
      throw new Error('the smoke test needs the production dependencies; drop --skip-dependencies');
    await smokeTest(result.outDir, { log });
  }
  log(`done: ${result.outDir} (services: ${result.services.join(', ')})`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    process.stderr.write(`[build] ${error.message}\n`);
    process.exit(1);
  });
}
