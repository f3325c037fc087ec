/**
 * Runs the pending migrations of the service in the current directory:
 *   cd services/<name> && npm run migrate      (needs DATABASE_URL)
 * Used by the Kubernetes pre-install/pre-upgrade hook Job and by hand.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { migrate, type ServiceDatabase } from './data-source.js';

const url = process.env.DATABASE_URL;
if (!url) {
  process.stderr.write('migrate: DATABASE_URL is required (postgres://user:password@host:5432/steward)\n');
  process.exit(1);
}
const modulePath = resolve(process.cwd(), 'src/database.ts');
const { database } = (await import(pathToFileURL(modulePath).href)) as { database: ServiceDatabase };
const ran = await migrate(database, { url });
process.stdout.write(
  ran.length ? `${database.schema}: applied ${ran.join(', ')}\n` : `${database.schema}: schema is up to date\n`,
);
