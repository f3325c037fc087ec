import { Card, MultiSelect, Radio, Select, Stack, Switch, Table, TagsInput, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
import { useGuild } from '../api/queries';
import type { ChannelMode, ResponseMode } from '../api/types';
import { useSettingsDraft } from '../api/useSettingsDraft';
import { PageHeader } from '../components/PageHeader';
import { Section } from '../components/Section';
import { QueryState } from '../components/QueryState';
import { SaveBar } from '../components/SaveBar';

const RESPONSE_MODES: ResponseMode[] = ['mention', 'all', 'ask'];
const CHANNEL_MODES: ChannelMode[] = ['off', 'mention', 'all', 'ask'];
const SECTION = ['responseMode', 'smartMode', 'channelContext', 'replyInThread', 'channelOverrides', 'staffRoleIds', 'notificationEmails'] as const;
/** Discord channel types that carry messages: text and announcement. */
const MESSAGE_CHANNEL_TYPES = new Set([0, 5]);

export default function SetupPage() {
  const { t } = useTranslation();
  const { guildId = '' } = useParams();
  const guild = useGuild(guildId);
  const { settings, draft, update, save, dirty } = useSettingsDraft(guildId, SECTION);
  const channels = (guild.data?.channels ?? []).filter((channel) => MESSAGE_CHANNEL_TYPES.has(channel.type));
  const roles = (guild.data?.roles ?? []).filter((role) => role.name !== '@everyone').map((role) => ({ value: role.id, label: role.name }));

  return (
    <>
      <PageHeader title={t('setup.title', { server: guild.data?.name ?? '' })} description={t('setup.description')} />
      <QueryState query={settings}>
        {() =>
          draft && (
            <Stack>
              <Section id="response-mode" title={t('setup.responseMode')}>
                <Radio.Group value={draft.responseMode} onChange={(mode) => update({ responseMode: mode as ResponseMode })} aria-labelledby="response-mode">
                  <Stack gap="sm">
                    {RESPONSE_MODES.map((mode) => (
                      <div key={mode}>
                        <Radio value={mode} label={t(`responseModes.${mode}.label`)} description={t(`responseModes.${mode}.description`)} />
                        {mode === 'all' && draft.responseMode === 'all' && (
                          <Stack gap="sm" mt="sm" pl="xl">
                            <Switch checked={draft.smartMode} onChange={(e) => update({ smartMode: e.currentTarget.checked })} label={t('setup.smartMode')} description={t('setup.smartModeHelp')} />
                            <Switch checked={draft.channelContext} onChange={(e) => update({ channelContext: e.currentTarget.checked })} label={t('setup.channelContext')} description={t('setup.channelContextHelp')} />
                          </Stack>
                        )}
                      </div>
                    ))}
                  </Stack>
                </Radio.Group>
                <Switch mt="md" checked={draft.replyInThread} onChange={(e) => update({ replyInThread: e.currentTarget.checked })} label={t('setup.replyInThread')} description={t('setup.replyInThreadHelp')} />
              </Section>

              <Card withBorder component="section" aria-labelledby="channel-overrides">
                <Title order={2} size="h4" id="channel-overrides">
                  {t('setup.channelOverrides')}
                </Title>
                <Text size="sm" c="dimmed" mb="sm">
                  {t('setup.channelOverridesHelp')}
                </Text>
                {channels.length === 0 ? (
                  <Text size="sm">{t('setup.noChannels')}</Text>
                ) : (
                  <Table>
                    <Table.Thead>
                      <Table.Tr>
                        <Table.Th>{t('setup.channel')}</Table.Th>
                        <Table.Th>{t('setup.behaviour')}</Table.Th>
                      </Table.Tr>
                    </Table.Thead>
                    <Table.Tbody>
                      {channels.map((channel) => (
                        <Table.Tr key={channel.id}>
                          <Table.Td>#{channel.name}</Table.Td>
                          <Table.Td>
                            <Select
                              size="xs"
                              aria-label={t('setup.behaviourFor', { channel: channel.name })}
                              value={draft.channelOverrides[channel.id] ?? 'default'}
                              data={[
                                { value: 'default', label: t('setup.serverDefault') },
                                ...CHANNEL_MODES.map((mode) => ({ value: mode, label: t(`channelModes.${mode}`) })),
                              ]}
                              allowDeselect={false}
                              onChange={(value) => {
                                const overrides = { ...draft.channelOverrides };
                                if (!value || value === 'default') delete overrides[channel.id];
                                else overrides[channel.id] = value as ChannelMode;
                                update({ channelOverrides: overrides });
                              }}
                            />
                          </Table.Td>
                        </Table.Tr>
                      ))}
                    </Table.Tbody>
                  </Table>
                )}
              </Card>

              <Section id="staff" title={t('setup.staff')}>
                <MultiSelect
                  label={t('setup.staffRoles')}
                  description={t('setup.staffRolesHelp')}
                  data={roles}
                  value={draft.staffRoleIds}
                  onChange={(staffRoleIds) => update({ staffRoleIds })}
                  searchable
                  nothingFoundMessage={t('common.nothingFound')}
                />
                <TagsInput
                  mt="md"
                  label={t('setup.notificationEmails')}
                  description={t('setup.notificationEmailsHelp')}
                  value={draft.notificationEmails}
                  onChange={(notificationEmails) => update({ notificationEmails })}
                />
              </Section>
              <SaveBar save={save} dirty={dirty} onSave={() => save.mutate(draft)} />
            </Stack>
          )
        }
      </QueryState>
    </>
  );
}
