import {
  Inject,
  Module,
  type DynamicModule,
  type InjectionToken,
  type OnApplicationShutdown,
  type OptionalFactoryDependency,
} from '@nestjs/common';
import { Bus, type BusConnectOptions } from '../bus.js';
import type { BucketSpec, StreamSpec } from '../specs.js';

export type BusModuleOptions = {
  /** Streams and buckets the service relies on, declared (idempotently) when the bus connects. */
  streams?: StreamSpec[];
  buckets?: BucketSpec[];
} & (BusConnectOptions | { /** An already connected bus; its owner drains it. */ bus: Bus });

export interface BusModuleAsyncOptions {
  imports?: DynamicModule['imports'];
  inject?: (InjectionToken | OptionalFactoryDependency)[];
  useFactory: (...args: never[]) => BusModuleOptions | Promise<BusModuleOptions>;
}

const BUS_OPTIONS = Symbol('BUS_OPTIONS');

class BusLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(Bus) private readonly bus: Bus,
    @Inject(BUS_OPTIONS) private readonly options: BusModuleOptions,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    if (!('bus' in this.options)) await this.bus.drain();
  }
}

async function provideBus(options: BusModuleOptions): Promise<Bus> {
  const bus = 'bus' in options ? options.bus : await Bus.connect(options);
  try {
    await bus.ensureStreams(options.streams ?? []);
    await bus.ensureBuckets(options.buckets ?? []);
  } catch (error) {
    if (!('bus' in options)) await bus.drain();
    throw error;
  }
  return bus;
}

/**
 * Provides the connected `Bus` to the whole application (publishing, requests, KV) and
 * drains it on shutdown when the module connected it. A JetStreamTransport shares it with
 * `new JetStreamTransport({ bus: () => app.get(Bus) })`.
 */
@Module({})
export class BusModule {
  static forRoot(options: BusModuleOptions): DynamicModule {
    return BusModule.build([{ provide: BUS_OPTIONS, useValue: options }]);
  }

  static forRootAsync(options: BusModuleAsyncOptions): DynamicModule {
    return {
      ...BusModule.build([
        { provide: BUS_OPTIONS, useFactory: options.useFactory, inject: options.inject ?? [] },
      ]),
      imports: options.imports ?? [],
    };
  }

  private static build(optionsProviders: DynamicModule['providers']): DynamicModule {
    return {
      module: BusModule,
      global: true,
      providers: [
        ...(optionsProviders ?? []),
        { provide: Bus, useFactory: provideBus, inject: [BUS_OPTIONS] },
        BusLifecycle,
      ],
      exports: [Bus],
    };
  }
}
