import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { patch } from './client';
import { useGuildSettings } from './queries';
import type { GuildSettings } from './types';

/**
 * An editable copy of one section of a guild's settings: edits stay local until saved,
 * then the section is sent whole with PATCH (other sections are left as they are).
 */
export function useSettingsDraft<K extends keyof GuildSettings>(guildId: string, keys: readonly K[]) {
  const queryClient = useQueryClient();
  const settings = useGuildSettings(guildId);
  const [draft, setDraft] = useState<Pick<GuildSettings, K> | undefined>();

  // A fresh copy whenever the server's settings change (keys is a constant list per page).
  useEffect(() => {
    if (settings.data) setDraft(pick(settings.data, keys));
  }, [settings.data]);

  const save = useMutation({
    mutationFn: (section: Pick<GuildSettings, K>) => patch<GuildSettings>(`/guilds/${guildId}/settings`, section),
    onSuccess: (saved) => {
      if (saved) queryClient.setQueryData(['settings', guildId], saved);
      void queryClient.invalidateQueries({ queryKey: ['settings', guildId] });
      void queryClient.invalidateQueries({ queryKey: ['guilds'] });
    },
  });

  const update = (change: Partial<Pick<GuildSettings, K>>) => setDraft((current) => (current ? { ...current, ...change } : current));
  const dirty = settings.data !== undefined && draft !== undefined && JSON.stringify(pick(settings.data, keys)) !== JSON.stringify(draft);
  return { settings, draft, update, save, dirty };
}

function pick<K extends keyof GuildSettings>(settings: GuildSettings, keys: readonly K[]): Pick<GuildSettings, K> {
  return Object.fromEntries(keys.map((key) => [key, settings[key]])) as Pick<GuildSettings, K>;
}
