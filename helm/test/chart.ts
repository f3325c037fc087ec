// Runs helm against the chart. Helm refuses to render a chart whose declared dependencies are
// missing from charts/, even when disabled; the optional NATS dependency is fetched by
// `helm dependency build` at install time, so the tests render a copy without that entry
// (both values files keep nats.enabled=false).
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { helmBinary } from './helm-binary.js';

const run = promisify(execFile);

export const chartDir = fileURLToPath(new URL('../steward', import.meta.url));
export const productionValues = path.join(chartDir, 'ci', 'production-values.yaml');

export interface KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; annotations?: Record<string, string>; labels?: Record<string, string> };
  // Rendered manifests are whatever the templates produce; tests reach into them by path.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  spec?: any;
  [key: string]: unknown;
}

export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function helm(args: string[]): Promise<HelmResult> {
  const binary = await helmBinary();
  try {
    const { stdout, stderr } = await run(binary, args, {
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, HELM_CACHE_HOME: os.tmpdir() },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof failed.code === 'number' ? failed.code : 1,
      stdout: failed.stdout ?? '',
      stderr: failed.stderr ?? '',
    };
  }
}

/** A copy of the chart without the optional NATS dependency entry; remove it with `dispose`. */
export async function chartWithoutNatsDependency(): Promise<{ dir: string; dispose(): Promise<void> }> {
  const parent = await mkdtemp(path.join(os.tmpdir(), 'steward-chart-'));
  const dir = path.join(parent, 'steward');
  await cp(chartDir, dir, { recursive: true });
  const chart = parse(await readFile(path.join(dir, 'Chart.yaml'), 'utf8'));
  chart.dependencies = (chart.dependencies ?? []).filter(
    (dependency: { name: string }) => dependency.name !== 'nats',
  );
  if (chart.dependencies.length === 0) delete chart.dependencies;
  await writeFile(path.join(dir, 'Chart.yaml'), stringify(chart));
  return { dir, dispose: () => rm(parent, { recursive: true, force: true }) };
}

/** `helm template` into objects; throws with helm's message when rendering fails. */
export async function renderChart(dir: string, args: string[] = []): Promise<KubernetesObject[]> {
  const result = await helm(['template', 'steward', dir, '--namespace', 'steward', ...args]);
  if (result.code !== 0) throw new Error(`helm template failed:\n${result.stderr}`);
  return parseAllDocuments(result.stdout)
    .map((document) => {
      if (document.errors.length)
        throw new Error(`helm rendered invalid YAML: ${document.errors[0]!.message}`);
      return document.toJS() as KubernetesObject | null;
    })
    .filter((object): object is KubernetesObject => object !== null);
}
