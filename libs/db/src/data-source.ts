import pg from 'pg';
import { DataSource, type EntitySchema, type MigrationInterface, type Logger as TypeOrmLogger } from 'typeorm';

type Constructor<T = unknown> = new (...args: never[]) => T;

/** What a service declares about its own Postgres schema (services/<name>/src/database.ts). */
export interface ServiceDatabase {
  /** The service's own Postgres schema; it reads and writes nothing else. */
  schema: string;
  entities: Array<Constructor | EntitySchema>;
  migrations: Array<Constructor<MigrationInterface>>;
  /** Session settings every connection starts with (`-c name=value`), e.g. an extension's threshold. */
  settings?: Record<string, string>;
}

export interface OpenDatabaseOptions {
  url: string;
  /** Run pending migrations before returning (local mode and tests; Kubernetes uses a hook Job). */
  migrate?: boolean;
  poolSize?: number;
  logger?: { info(obj: object, msg: string): void };
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const SETTING_NAME = /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/;
const SETTING_VALUE = /^[A-Za-z0-9_.,-]+$/;

/** Settings as the `options` startup parameter; names and values are plain words (no quoting). */
function startupOptions(settings: Record<string, string>): string {
  return Object.entries(settings)
    .map(([name, value]) => {
      if (!SETTING_NAME.test(name) || !SETTING_VALUE.test(value)) {
        throw new Error(`Invalid Postgres session setting ${JSON.stringify(name)}=${JSON.stringify(value)}`);
      }
      return `-c ${name}=${value}`;
    })
    .join(' ');
}

/** A TypeORM data source bound to one service's schema (its migrations table lives there too). */
export function createServiceDataSource(database: ServiceDatabase, options: Omit<OpenDatabaseOptions, 'migrate'>): DataSource {
  assertSchemaName(database.schema);
  return new DataSource({
    type: 'postgres',
    url: options.url,
    schema: database.schema,
    entities: database.entities,
    migrations: database.migrations,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: ['error'],
    logger: quietLogger,
    poolSize: options.poolSize ?? 10,
    // Unqualified names resolve to the service's schema first; extensions live in public.
    extra: { options: startupOptions({ search_path: `${database.schema},public`, ...database.settings }) },
  });
}

/**
 * Opens the service's data source. With `migrate`, creates the schema and runs pending
 * migrations under an advisory lock, so replicas starting together migrate once.
 */
export async function openDatabase(database: ServiceDatabase, options: OpenDatabaseOptions): Promise<DataSource> {
  if (options.migrate) await migrate(database, options);
  const dataSource = createServiceDataSource(database, options);
  await dataSource.initialize();
  return dataSource;
}

/** Creates the schema if needed and runs pending migrations; returns the names it ran. */
export async function migrate(database: ServiceDatabase, options: Omit<OpenDatabaseOptions, 'migrate'>): Promise<string[]> {
  assertSchemaName(database.schema);
  const lockClient = new pg.Client({ connectionString: options.url });
  await lockClient.connect();
  try {
    await lockClient.query('SELECT pg_advisory_lock(hashtext($1))', [`steward:migrate:${database.schema}`]);
    await lockClient.query(`CREATE SCHEMA IF NOT EXISTS "${database.schema}"`);
    const dataSource = createServiceDataSource(database, { ...options, poolSize: 2 });
    await dataSource.initialize();
    try {
      const ran = await dataSource.runMigrations({ transaction: 'each' });
      if (ran.length) options.logger?.info({ schema: database.schema, migrations: ran.map((m) => m.name) }, 'migrations applied');
      return ran.map((m) => m.name);
    } finally {
      await dataSource.destroy();
    }
  } finally {
    await lockClient.query('SELECT pg_advisory_unlock(hashtext($1))', [`steward:migrate:${database.schema}`]).catch(() => undefined);
    await lockClient.end();
  }
}

function assertSchemaName(schema: string): void {
  if (!SCHEMA_NAME.test(schema)) throw new Error(`invalid schema name ${JSON.stringify(schema)}`);
}

/** TypeORM's own console logger is replaced: errors surface through our handlers instead. */
const quietLogger: TypeOrmLogger = {
  logQuery: () => undefined,
  logQueryError: () => undefined,
  logQuerySlow: () => undefined,
  logSchemaBuild: () => undefined,
  logMigration: () => undefined,
  log: () => undefined,
};
