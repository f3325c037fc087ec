import { Alert, Card, Group, MultiSelect, NumberInput, SimpleGrid, Stack, Switch, Textarea } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
import { useGuild } from '../api/queries';
import { MODERATION_ACTIONS, type GuildSettings } from '../api/types';
import { useSettingsDraft } from '../api/useSettingsDraft';
import { PageHeader } from '../components/PageHeader';
import { Section } from '../components/Section';
import { QueryState } from '../components/QueryState';
import { SaveBar } from '../components/SaveBar';

const SECTION = ['moderation'] as const;

export default function ModerationPage() {
  const { t } = useTranslation();
  const { guildId = '' } = useParams();
  const guild = useGuild(guildId);
  const { settings, draft, update, save, dirty } = useSettingsDraft(guildId, SECTION);
  const roles = (guild.data?.roles ?? []).filter((role) => role.name !== '@everyone').map((role) => ({ value: role.id, label: role.name }));
  const channels = (guild.data?.channels ?? []).map((channel) => ({ value: channel.id, label: `#${channel.name}` }));
  const change = (partial: Partial<GuildSettings['moderation']>) => draft && update({ moderation: { ...draft.moderation, ...partial } });

  return (
    <>
      <PageHeader title={t('moderation.title')} description={t('moderation.description')} />
      <QueryState query={settings}>
        {() => {
          if (!draft) return null;
          const moderation = draft.moderation;
          const destructive = moderation.actions.kick || moderation.actions.ban;
          return (
            <Stack>
              <Card withBorder>
                <Switch size="md" checked={moderation.enabled} onChange={(e) => change({ enabled: e.currentTarget.checked })} label={t('moderation.enabled')} description={t('moderation.enabledHelp')} />
              </Card>
              <Section id="rules" title={t('moderation.rules')}>
                <Textarea
                  label={t('moderation.rulesLabel')}
                  description={t('moderation.rulesHelp')}
                  placeholder={t('moderation.rulesPlaceholder')}
                  autosize
                  minRows={5}
                  value={moderation.rules}
                  onChange={(e) => change({ rules: e.currentTarget.value })}
                />
              </Section>
              <Section id="actions" title={t('moderation.actions')}>
                <Alert color="blue" mb="md" title={t('moderation.adviceTitle')}>
                  {t('moderation.advice')}
                </Alert>
                <SimpleGrid cols={{ base: 1, sm: 2 }}>
                  {MODERATION_ACTIONS.map((action) => (
                    <Switch
                      key={action}
                      checked={moderation.actions[action]}
                      onChange={(e) => change({ actions: { ...moderation.actions, [action]: e.currentTarget.checked } })}
                      label={t(`moderationActions.${action}`)}
                      description={t(`moderationActionHelp.${action}`)}
                    />
                  ))}
                </SimpleGrid>
                {moderation.actions.timeout && (
                  <NumberInput mt="md" maw={240} min={1} max={40320} label={t('moderation.timeoutMinutes')} value={moderation.timeoutMinutes} onChange={(value) => change({ timeoutMinutes: Number(value) || 1 })} />
                )}
                {destructive && (
                  <Alert color="orange" mt="md">
                    {t('moderation.destructiveWarning')}
                  </Alert>
                )}
              </Section>
              <Section id="exemptions" title={t('moderation.exemptions')}>
                <SimpleGrid cols={{ base: 1, sm: 2 }}>
                  <MultiSelect label={t('moderation.exemptRoles')} data={roles} value={moderation.exemptRoleIds} onChange={(exemptRoleIds) => change({ exemptRoleIds })} searchable nothingFoundMessage={t('common.nothingFound')} />
                  <MultiSelect label={t('moderation.exemptChannels')} data={channels} value={moderation.exemptChannelIds} onChange={(exemptChannelIds) => change({ exemptChannelIds })} searchable nothingFoundMessage={t('common.nothingFound')} />
                </SimpleGrid>
              </Section>
              <Section id="safety" title={t('moderation.safety')}>
                <Switch checked={moderation.shadowMode} onChange={(e) => change({ shadowMode: e.currentTarget.checked })} label={t('moderation.shadowMode')} description={t('moderation.shadowModeHelp')} />
                <Group mt="md" grow align="flex-start">
                  <NumberInput
                    label={t('moderation.breakerMax')}
                    description={t('moderation.breakerHelp')}
                    min={0}
                    max={1000}
                    value={moderation.breaker.maxKicksAndBans}
                    onChange={(value) => change({ breaker: { ...moderation.breaker, maxKicksAndBans: Number(value) || 0 } })}
                  />
                  <NumberInput
                    label={t('moderation.breakerWindow')}
                    min={1}
                    max={1440}
                    value={moderation.breaker.windowMinutes}
                    onChange={(value) => change({ breaker: { ...moderation.breaker, windowMinutes: Number(value) || 1 } })}
                  />
                </Group>
              </Section>
              <SaveBar save={save} dirty={dirty} onSave={() => save.mutate(draft)} />
            </Stack>
          );
        }}
      </QueryState>
    </>
  );
}
