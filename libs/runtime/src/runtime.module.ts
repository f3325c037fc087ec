import { Global, Module, type DynamicModule, type Provider } from '@nestjs/common';
import { Bus } from '@steward/bus';
import type { DataSource } from '@steward/db';
import type { Logger } from '@steward/telemetry';
import { CONFIG, LOGGER, SERVICE_NAME } from './tokens.js';

export interface RuntimeDependencies {
  name: string;
  config: unknown;
  logger: Logger;
  bus: Bus;
  dataSource?: DataSource;
}

/**
 * Makes the process-wide dependencies injectable everywhere: `Bus`, `DataSource` (when the
 * service has a schema), `@Inject(CONFIG)`, `@Inject(LOGGER)`. The runtime owns their lifecycle.
 */
@Global()
@Module({})
export class RuntimeModule {
  static register(dependencies: RuntimeDependencies): DynamicModule {
    const providers: Provider[] = [
      { provide: SERVICE_NAME, useValue: dependencies.name },
      { provide: CONFIG, useValue: dependencies.config },
      { provide: LOGGER, useValue: dependencies.logger },
      { provide: Bus, useValue: dependencies.bus },
    ];
    // The data source's own class is the injection token (@steward/db's DataSource): taken from
    // the instance, so services without a schema never load TypeORM.
    if (dependencies.dataSource) providers.push({ provide: dependencies.dataSource.constructor, useValue: dependencies.dataSource });
    return { module: RuntimeModule, providers, exports: providers.map((p) => (p as { provide: unknown }).provide as never) };
  }
}
