import { Autocomplete, Card, Group, Select, Stack, Switch, TagsInput, Text, TextInput, Timeline, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
import { get } from '../api/client';
import { useGuild } from '../api/queries';
import { FREQUENCIES, type Frequency, type ProactivePost } from '../api/types';
import { useSettingsDraft } from '../api/useSettingsDraft';
import { useFormat } from '../format';
import { PageHeader } from '../components/PageHeader';
import { EmptyState, QueryState } from '../components/QueryState';
import { SaveBar } from '../components/SaveBar';

const SECTION = ['proactive'] as const;
/** Every IANA time zone the browser knows, for the quiet hours (browsers leave UTC out of it). */
const TIME_ZONES = ['UTC', ...Intl.supportedValuesOf('timeZone').filter((zone) => zone !== 'UTC')];
const DEFAULT_QUIET_HOURS = { start: '22:00', end: '08:00' };
/** The list with the server's own zone in it, should the browser name that zone otherwise (Asia/Calcutta). */
const withZone = (zone: string) => (TIME_ZONES.includes(zone) ? TIME_ZONES : [zone, ...TIME_ZONES]);
/** A time input is empty while half typed: the settings keep the last whole time. */
const wholeTime = (value: string, last: string) => (/^\d{2}:\d{2}$/.test(value) ? value : last);

export default function ProactivePage() {
  const { t } = useTranslation();
  const format = useFormat();
  const { guildId = '' } = useParams();
  const guild = useGuild(guildId);
  const { settings, draft, update, save, dirty } = useSettingsDraft(guildId, SECTION);
  const history = useQuery({
    queryKey: ['proactive-history', guildId],
    queryFn: () => get<{ entries: ProactivePost[] }>(`/proactive/history?guildId=${encodeURIComponent(guildId)}&limit=20`),
  });
  const channelNames = (guild.data?.channels ?? []).filter((channel) => channel.type === 0).map((channel) => channel.name);

  return (
    <>
      <PageHeader title={t('proactive.title')} description={t('proactive.description')} />
      <Stack>
        <QueryState query={settings}>
          {() =>
            draft && (
              <Card withBorder>
                <Stack>
                  <Switch checked={draft.proactive.enabled} onChange={(e) => update({ proactive: { ...draft.proactive, enabled: e.currentTarget.checked } })} label={t('proactive.enabled')} />
                  <Autocomplete label={t('proactive.channel')} description={t('proactive.channelHelp')} data={channelNames} value={draft.proactive.channelName} onChange={(channelName) => update({ proactive: { ...draft.proactive, channelName } })} />
                  <Select
                    label={t('proactive.frequency')}
                    data={FREQUENCIES.map((value) => ({ value, label: t(`frequencies.${value}`) }))}
                    value={draft.proactive.frequency}
                    allowDeselect={false}
                    onChange={(frequency) => frequency && update({ proactive: { ...draft.proactive, frequency: frequency as Frequency } })}
                  />
                  <TagsInput label={t('proactive.topics')} description={t('proactive.topicsHelp')} value={draft.proactive.topics} onChange={(topics) => update({ proactive: { ...draft.proactive, topics } })} />
                  <Switch
                    checked={draft.proactive.quietHours != null}
                    onChange={(e) => update({ proactive: { ...draft.proactive, quietHours: e.currentTarget.checked ? DEFAULT_QUIET_HOURS : null } })}
                    label={t('proactive.quietHours')}
                    description={t('proactive.quietHoursHelp')}
                  />
                  {draft.proactive.quietHours && (
                    <Group grow align="flex-start">
                      <TextInput type="time" label={t('proactive.quietFrom')} value={draft.proactive.quietHours.start} onChange={(e) => update({ proactive: { ...draft.proactive, quietHours: { ...draft.proactive.quietHours!, start: wholeTime(e.currentTarget.value, draft.proactive.quietHours!.start) } } })} />
                      <TextInput type="time" label={t('proactive.quietUntil')} value={draft.proactive.quietHours.end} onChange={(e) => update({ proactive: { ...draft.proactive, quietHours: { ...draft.proactive.quietHours!, end: wholeTime(e.currentTarget.value, draft.proactive.quietHours!.end) } } })} />
                      <Select searchable label={t('proactive.timeZone')} data={withZone(draft.proactive.timeZone ?? 'UTC')} value={draft.proactive.timeZone ?? 'UTC'} allowDeselect={false} onChange={(timeZone) => timeZone && update({ proactive: { ...draft.proactive, timeZone } })} />
                    </Group>
                  )}
                  <SaveBar save={save} dirty={dirty} onSave={() => save.mutate(draft)} />
                </Stack>
              </Card>
            )
          }
        </QueryState>
        <Card withBorder component="section" aria-labelledby="history">
          <Title order={2} size="h4" id="history" mb="md">
            {t('proactive.history')}
          </Title>
          <QueryState query={history}>
            {({ entries }) =>
              entries.length === 0 ? (
                <EmptyState>{t('proactive.noHistory')}</EmptyState>
              ) : (
                <Timeline bulletSize={14} lineWidth={2}>
                  {entries.map((post) => (
                    <Timeline.Item key={post.runId} title={format.dateTime(post.finishedAt ?? post.dueAt)} color={post.outcome === 'posted' ? 'green' : post.error ? 'red' : 'gray'}>
                      <Text size="xs" c="dimmed">
                        {t('proactive.topic', { topic: post.topic })} · #{post.channelName} · {t(`proactiveOutcomes.${post.outcome}`, { defaultValue: post.outcome })}
                      </Text>
                      {post.text && (
                        <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
                          {post.text}
                        </Text>
                      )}
                      {post.error && (
                        <Text size="sm" c="red">
                          {post.error}
                        </Text>
                      )}
                    </Timeline.Item>
                  ))}
                </Timeline>
              )
            }
          </QueryState>
        </Card>
      </Stack>
    </>
  );
}
