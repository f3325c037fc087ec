import { z } from 'zod';

/** Names of variables whose values must never be echoed back in an error. */
const SECRET = /TOKEN|KEY|PASSWORD|SECRET|DATABASE_URL|SMTP_URL/;

/** Bad configuration: one line per variable, ready to print. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Validates the environment against a schema; throws a ConfigError naming every bad variable. */
export function loadConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join('.') || '(environment)';
    const raw = env[name];
    const shown = raw === undefined ? 'not set' : SECRET.test(name) ? 'value hidden' : `got ${JSON.stringify(raw)}`;
    const message = issue.code === 'invalid_type' && raw === undefined ? 'is required' : issue.message;
    return `${name} ${message} (${shown})`;
  });
  throw new ConfigError(problems);
}

/**
 * For a service's main: on bad configuration print one line per variable and exit 1,
 * without a stack trace.
 */
export function loadConfigOrExit<S extends z.ZodType>(
  schema: S,
  service: string,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<S> {
  try {
    return loadConfig(schema, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) process.stderr.write(`${service}: configuration error: ${problem}\n`);
    process.exit(1);
  }
}
