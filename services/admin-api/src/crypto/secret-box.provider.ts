import { Module, type Provider } from '@nestjs/common';
import { CONFIG } from '@steward/runtime';
import { SecretBox } from '@steward/secrets';
import type { AdminApiConfig } from '../config.js';

/** The SecretBox built from STEWARD_MASTER_KEY (and _PREVIOUS), or null when no master key is set. */
export const SECRET_BOX = Symbol('admin:secret-box');

const secretBoxProvider: Provider = {
  provide: SECRET_BOX,
  inject: [CONFIG],
  useFactory: (config: AdminApiConfig) => SecretBox.fromEnv(config) ?? null,
};

@Module({ providers: [secretBoxProvider], exports: [SECRET_BOX] })
export class CryptoModule {}
