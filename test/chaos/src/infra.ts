/**
 * NATS and Postgres of a chaos run, owned by the run so they can be stopped and started again
 * on the same data directory and port — a restart the services must ride through, not a new
 * empty server.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { workspaceRoot } from '@steward/testing';

interface Server {
  url: string;
  port: number;
  stop(): Promise<void>;
}

interface Infra {
  makeRunDir(prefix: string): string;
  removeDir(dir: string): void;
  ensureNatsServer(): Promise<string>;
  ensurePostgresBinaries(): Promise<unknown>;
  startNats(options: { dataDir: string; port?: number; binary?: string }): Promise<Server>;
  startPostgres(options: { dataDir: string; port?: number; durable?: boolean; binaries?: unknown }): Promise<Server>;
}

const loadInfra = async (): Promise<Infra> =>
  (await import(pathToFileURL(path.join(workspaceRoot, 'deploy/local/infra.mjs')).href)) as Infra;

export class RestartableInfra {
  private constructor(
    private readonly infra: Infra,
    private readonly runDir: string,
    private readonly natsBinary: string,
    private readonly postgresBinaries: unknown,
    private nats: Server,
    private postgres: Server,
  ) {}

  static async start(): Promise<RestartableInfra> {
    const infra = await loadInfra();
    const runDir = infra.makeRunDir('steward-chaos-');
    const natsBinary = await infra.ensureNatsServer();
    const postgresBinaries = await infra.ensurePostgresBinaries();
    const nats = await infra.startNats({ dataDir: path.join(runDir, 'nats'), binary: natsBinary });
    let postgres: Server;
    try {
      // Durable: a restart must find every committed row again.
      postgres = await infra.startPostgres({ dataDir: path.join(runDir, 'postgres'), durable: true, binaries: postgresBinaries });
    } catch (error) {
      await nats.stop();
      infra.removeDir(runDir);
      throw error;
    }
    return new RestartableInfra(infra, runDir, natsBinary, postgresBinaries, nats, postgres);
  }

  get natsUrl(): string {
    return this.nats.url;
  }

  get databaseUrl(): string {
    return this.postgres.url;
  }

  /** Stops NATS (its JetStream store stays on disk), waits `downMs`, starts it on the same port. */
  async restartNats(downMs: number): Promise<void> {
    await this.nats.stop();
    await sleep(downMs);
    this.nats = await this.infra.startNats({ dataDir: path.join(this.runDir, 'nats'), port: this.nats.port, binary: this.natsBinary });
  }

  /** Stops Postgres (fast shutdown: open connections are cut), waits `downMs`, starts it again. */
  async restartPostgres(downMs: number): Promise<void> {
    await this.postgres.stop();
    await sleep(downMs);
    this.postgres = await this.infra.startPostgres({
      dataDir: path.join(this.runDir, 'postgres'),
      port: this.postgres.port,
      durable: true,
      binaries: this.postgresBinaries,
    });
  }

  async stop(): Promise<void> {
    await Promise.allSettled([this.nats.stop(), this.postgres.stop()]);
    this.infra.removeDir(this.runDir);
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
