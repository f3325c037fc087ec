/**
 * Runs the pending migrations of every service that owns a Postgres schema, one service after
 * the other. Shipped in the image as `deploy/docker/src/migrate-all.js`; the Helm chart runs it
 * as the pre-install/pre-upgrade hook Job, so a new version's schema is in place before its
 * pods serve.
 *
 *   DATABASE_URL=postgres://... node deploy/docker/src/migrate-all.js [service ...]
 *
 * Without arguments it migrates every `services/<name>/src/database.*` it finds. Each service's
 * migrations run under that schema's advisory lock (see @steward/db), so a concurrent start
 * of the same version waits instead of migrating twice.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { migrate, type ServiceDatabase } from '@steward/db';

const here = fileURLToPath(import.meta.url);
/** `.js` in the image, `.ts` when run from the sources. */
const extension = path.extname(here);
const servicesDir = path.resolve(path.dirname(here), '../../../services');

export function servicesWithSchema(): string[] {
  if (!existsSync(servicesDir)) return [];
  return readdirSync(servicesDir)
    .filter((name) => existsSync(databaseModule(name)))
    .sort();
}

function databaseModule(service: string): string {
  return path.join(servicesDir, service, 'src', `database${extension}`);
}

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is required (postgres://user:password@host:5432/steward)');
  const known = servicesWithSchema();
  const requested = process.argv.slice(2);
  const unknown = requested.filter((name) => !known.includes(name));
  if (unknown.length)
    throw new Error(
      `no schema to migrate for ${unknown.join(', ')}; services with a schema: ${known.join(', ')}`,
    );
  const services = requested.length ? requested : known;
  if (services.length === 0) throw new Error(`no services/*/src/database${extension} under ${servicesDir}`);

  for (const service of services) {
    const { database } = (await import(pathToFileURL(databaseModule(service)).href)) as {
      database: ServiceDatabase;
    };
    const ran = await migrate(database, { url });
    process.stdout.write(
      `${service}: ${ran.length ? `applied ${ran.join(', ')}` : 'schema is up to date'} (schema ${database.schema})\n`,
    );
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === here) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`migrate: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
