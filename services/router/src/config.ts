import { stewardEnv, z } from '@steward/config';

/** Empty strings in the environment mean "not set". */
const optionalString = (schema: z.ZodString) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

export const routerEnv = stewardEnv
  .extend({
    /**
     * Local mode: this tenant owns every guild that has no `config-guilds` entry. Unset in a
     * multi-tenant deployment, where such guilds are not connected to anyone and are ignored.
     */
    STEWARD_LOCAL_TENANT_ID: optionalString(z.string().min(1).max(64)),
  })
  // A local tenant means a local deployment: migrate the schema at start like the rest of it.
  .transform((env) => ({
    ...env,
    STEWARD_LOCAL: env.STEWARD_LOCAL || env.STEWARD_LOCAL_TENANT_ID !== undefined,
  }));

export type RouterConfig = z.infer<typeof routerEnv>;
