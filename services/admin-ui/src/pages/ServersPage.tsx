import { Alert, Avatar, Badge, Button, Card, Group, List, SimpleGrid, Stack, Text } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { get } from '../api/client';
import { useGuilds } from '../api/queries';
import type { GuildSummary } from '../api/types';
import { PageHeader } from '../components/PageHeader';
import { EmptyState, QueryState, RequestError } from '../components/QueryState';

export default function ServersPage() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const guilds = useGuilds();
  const install = useMutation({
    mutationFn: () => get<{ url: string }>('/discord/install'),
    onSuccess: ({ url }) => window.location.assign(url),
  });
  const connected = params.get('connected');
  const installError = params.get('error');

  return (
    <>
      <PageHeader title={t('servers.title')} description={t('servers.description')}>
        <Group>
          <Button onClick={() => install.mutate()} loading={install.isPending} color="indigo">
            {t('servers.addToDiscord')}
          </Button>
        </Group>
      </PageHeader>
      <Stack>
        {install.isError && <RequestError error={install.error} />}
        {connected && (
          <Alert color="green" role="status" title={t('servers.connectedTitle')}>
            {t('servers.connectedBody')}
          </Alert>
        )}
        {installError && (
          <Alert color="red" role="alert" title={t('servers.installFailedTitle')}>
            {t('servers.installFailedBody', { code: installError })}
          </Alert>
        )}
        <QueryState query={guilds}>
          {(list) =>
            list.length === 0 ? (
              <EmptyState>{t('servers.empty')}</EmptyState>
            ) : (
              <SimpleGrid cols={{ base: 1, md: 2 }}>
                {list.map((guild) => (
                  <ServerCard key={guild.id} guild={guild} />
                ))}
              </SimpleGrid>
            )
          }
        </QueryState>
      </Stack>
    </>
  );
}

function ServerCard({ guild }: { guild: GuildSummary }) {
  const { t } = useTranslation();
  const missing = guild.missingPermissions ?? [];
  return (
    <Card withBorder component="article" aria-label={guild.name}>
      <Group justify="space-between" wrap="nowrap">
        <Group wrap="nowrap">
          <Avatar src={guild.iconUrl} alt="" color="indigo">
            {guild.name.slice(0, 2)}
          </Avatar>
          <div>
            <Text fw={600}>{guild.name}</Text>
            <Text size="sm" c="dimmed">
              {t('servers.mode', { mode: t(`responseModes.${guild.responseMode}.label`) })}
            </Text>
          </div>
        </Group>
        <Button component={Link} to={`/servers/${guild.id}/setup`} variant="light" size="xs">
          {t('servers.configure')}
        </Button>
      </Group>
      <Group gap="xs" mt="md">
        <Badge color={guild.connected ? 'green.9' : 'red.8'}>{guild.connected ? t('servers.connected') : t('servers.disconnected')}</Badge>
        {guild.gatewayOnline !== undefined && (
          <Badge color={guild.gatewayOnline ? 'green' : 'yellow'}>{guild.gatewayOnline ? t('servers.online') : t('servers.offline')}</Badge>
        )}
        <Badge color={guild.moderationEnabled ? 'indigo' : 'gray'} variant="light">
          {guild.moderationEnabled ? t('servers.moderationOn') : t('servers.moderationOff')}
        </Badge>
        {missing.length > 0 && <Badge color="orange">{t('servers.permissionsMissing')}</Badge>}
      </Group>
      {missing.length > 0 && (
        <Alert color="orange" mt="md" title={t('servers.permissionsMissingTitle')}>
          <List size="sm">
            {missing.map((permission) => (
              <List.Item key={permission}>{permission}</List.Item>
            ))}
          </List>
          <Text size="sm" mt="xs">
            {t('servers.permissionsFix')}
          </Text>
        </Alert>
      )}
    </Card>
  );
}
