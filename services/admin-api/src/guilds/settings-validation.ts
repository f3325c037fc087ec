import { z } from '@steward/config';
import { guildSettings, type GuildSettings } from '@steward/contracts';
import { ApiError, type FieldProblem } from '../http/api-error.js';

/** What the router's directory knows of a guild: enough to check ids against. */
export interface KnownGuildParts {
  channelIds: ReadonlySet<string>;
  roleIds: ReadonlySet<string>;
}

/**
 * Parses a whole settings object (missing fields take their defaults) and checks what the
 * schema cannot: ids against the guild's channels and roles (when the directory knows them),
 * and rules that only make sense together. Throws a 400 listing every problem.
 */
export function validateSettings(value: unknown, known: KnownGuildParts | null): GuildSettings {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw ApiError.validation([{ field: 'request body', message: 'must be a JSON object' }]);
  const parsed = guildSettings.safeParse(value, { error: settingsMessage });
  if (!parsed.success)
    throw ApiError.validation(
      parsed.error.issues.map((issue) => ({
        field: issue.path.map(String).join('.') || 'request body',
        message: issue.message,
      })),
    );
  const problems = settingsProblems(parsed.data, known);
  if (problems.length) throw ApiError.validation(problems);
  return parsed.data;
}

export function settingsProblems(settings: GuildSettings, known: KnownGuildParts | null): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (settings.moderation.enabled && !settings.moderation.rules.trim())
    problems.push({
      field: 'moderation.rules',
      message: 'must not be empty while moderation is enabled (write the rules members must follow)',
    });
  // An empty directory means the router has not seen the guild yet: nothing to compare with.
  if (known && known.channelIds.size > 0) {
    for (const channelId of Object.keys(settings.channelOverrides))
      if (!known.channelIds.has(channelId))
        problems.push({ field: `channelOverrides.${channelId}`, message: 'is not a channel of this server' });
    settings.moderation.exemptChannelIds.forEach((channelId, index) => {
      if (!known.channelIds.has(channelId))
        problems.push({
          field: `moderation.exemptChannelIds.${index}`,
          message: `${channelId} is not a channel of this server`,
        });
    });
  }
  if (known && known.roleIds.size > 0) {
    const checkRoles = (field: string, roleIds: string[]) =>
      roleIds.forEach((roleId, index) => {
        if (!known.roleIds.has(roleId))
          problems.push({ field: `${field}.${index}`, message: `${roleId} is not a role of this server` });
      });
    checkRoles('staffRoleIds', settings.staffRoleIds);
    checkRoles('moderation.exemptRoleIds', settings.moderation.exemptRoleIds);
  }
  return problems;
}

/**
 * RFC 7386 JSON merge patch: objects merge key by key, `null` removes a key (an override,
 * or a field back to its default), anything else replaces.
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const result: Record<string, unknown> =
    typeof target === 'object' && target !== null && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

function settingsMessage(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code === 'invalid_value' && 'values' in issue)
    return `must be one of ${(issue.values as unknown[]).map(String).join(', ')}`;
  if (issue.code === 'invalid_type') {
    if (issue.input === undefined) return 'is required';
    return `must be ${issue.expected === 'object' ? 'a JSON object' : /^[aeiou]/.test(issue.expected) ? `an ${issue.expected}` : `a ${issue.expected}`}`;
  }
  return undefined;
}
