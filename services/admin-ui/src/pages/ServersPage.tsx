import { Alert, Avatar, Badge, Button, Card, Group, List, SimpleGrid, Stack, Text } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { get } from '../api/client';
import { useGuilds } from '../api/queries';
import type { GuildSummary } from '../api/types';
import { PageHeader } from '../components/PageHeader';
import { EmptyState, QueryState, RequestError } from '../components/QueryState';

/**
 * What the person can do about each install error the callback reports (install.controller.ts);
 * any other code is Discord not completing the authorization.
 */
const INSTALL_ERROR_MESSAGES = new Map([
  ['access_denied', 'servers.installCancelled'],
  ['guild_taken', 'servers.installTaken'],
  ['session_mismatch', 'servers.installOtherSession'],
  ['invalid_state', 'servers.installExpired'],
  ['expired_state', 'servers.installExpired'],
  ['invalid_request', 'servers.installExpired'],
  ['install_unavailable', 'servers.installNotConfigured'],
  ['no_guild', 'servers.installNoServer'],
  ['unavailable', 'servers.installNotSaved'],
  ['link_failed', 'servers.installNotSaved'],
]);

export default function ServersPage() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  // Gateway and permission status change while the page is open.
  const guilds = useGuilds(10_000);
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
            {t(INSTALL_ERROR_MESSAGES.get(installError) ?? 'servers.installFailedBody', { code: installError })}
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

const GATEWAY_BADGES = {
  online: { color: 'green.9', label: 'servers.online' },
  connecting: { color: 'yellow', label: 'servers.connecting' },
  offline: { color: 'gray', label: 'servers.offline' },
  failed: { color: 'red.8', label: 'servers.failed' },
} as const;

function ServerCard({ guild }: { guild: GuildSummary }) {
  const { t } = useTranslation();
  const { gateway, gatewayFailure } = guild.health;
  const missing = guild.health.missingPermissions ?? [];
  const gatewayBadge = GATEWAY_BADGES[gateway];
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
        <Badge color={gatewayBadge.color} data-testid="gateway-status">
          {t(gatewayBadge.label)}
        </Badge>
        <Badge color={guild.moderationEnabled ? 'indigo' : 'gray'} variant="light">
          {guild.moderationEnabled ? t('servers.moderationOn') : t('servers.moderationOff')}
        </Badge>
        {missing.length > 0 && <Badge color="orange">{t('servers.permissionsMissing')}</Badge>}
      </Group>
      {gateway === 'failed' && gatewayFailure && (
        <Alert color="red" mt="md" role="alert" title={t('servers.failed')}>
          {t(`servers.gatewayFailures.${gatewayFailure}`)}
        </Alert>
      )}
      {gateway === 'offline' && (
        <Text size="sm" c="dimmed" mt="sm">
          {t('servers.offlineHint')}
        </Text>
      )}
      {missing.length > 0 && (
        <Alert color="orange" mt="md" title={t('servers.permissionsMissingTitle')}>
          <List size="sm" aria-label={t('servers.permissionsMissingTitle')}>
            {missing.map((permission) => (
              <List.Item key={permission}>{t(`permissions.${permission}`, { defaultValue: permission })}</List.Item>
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
