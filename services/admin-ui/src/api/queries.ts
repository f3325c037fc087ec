import { useQuery } from '@tanstack/react-query';
import { ApiRequestError, get } from './client';
import type { GuildDetail, GuildSettings, GuildSummary, Me, Plan } from './types';

/** Retries only what may pass on a second try: not 4xx answers. */
export function shouldRetry(failureCount: number, error: unknown): boolean {
  if (error instanceof ApiRequestError && error.status >= 400 && error.status < 500) return false;
  return failureCount < 2;
}

export const useMe = () => useQuery({ queryKey: ['me'], queryFn: () => get<Me>('/auth/me'), staleTime: 60_000 });
export const usePlan = () => useQuery({ queryKey: ['plan'], queryFn: () => get<Plan>('/plan'), staleTime: 60_000 });
/** `refetchIntervalMs`: for pages that show the servers' live status. */
export const useGuilds = (refetchIntervalMs?: number) =>
  useQuery({
    queryKey: ['guilds'],
    queryFn: async () => (await get<{ guilds: GuildSummary[] }>('/guilds')).guilds,
    refetchInterval: refetchIntervalMs,
  });
export const useGuild = (guildId: string) =>
  useQuery({ queryKey: ['guild', guildId], queryFn: () => get<GuildDetail>(`/guilds/${guildId}`) });
export const useGuildSettings = (guildId: string) =>
  useQuery({ queryKey: ['settings', guildId], queryFn: () => get<GuildSettings>(`/guilds/${guildId}/settings`) });
