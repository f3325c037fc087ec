import { AppShell, Burger, Button, Center, Divider, Group, Loader, NavLink, ScrollArea, Select, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useQueryClient } from '@tanstack/react-query';
import { Suspense } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Navigate, Outlet, useLocation, useNavigate, useParams } from 'react-router';
import { ApiRequestError, post } from '../api/client';
import { useGuilds, useMe } from '../api/queries';
import { LanguagePicker } from '../components/LanguagePicker';
import { RequestError } from '../components/QueryState';

/** The signed-in frame: header, navigation (with the server picker) and the page. */
export function Layout() {
  const { t } = useTranslation();
  const me = useMe();
  const location = useLocation();
  const [opened, { toggle, close }] = useDisclosure();

  if (me.isPending) {
    return (
      <Center h="100vh">
        <Loader aria-label={t('common.loading')} />
      </Center>
    );
  }
  if (me.isError) {
    if (me.error instanceof ApiRequestError && (me.error.status === 401 || me.error.status === 404)) {
      const next = encodeURIComponent(location.pathname + location.search);
      return <Navigate to={`/login?next=${next}`} replace />;
    }
    return <RequestError error={me.error} />;
  }

  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 250, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="lg">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label={t('nav.menu')} />
            <Title order={2} size="h4">
              Steward
            </Title>
            <Text c="dimmed" size="sm" visibleFrom="xs">
              {me.data.tenant.name}
            </Text>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <LanguagePicker />
            <SignOutButton />
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label={t('nav.main')}>
        <ScrollArea>
          <Navigation onNavigate={close} />
        </ScrollArea>
      </AppShell.Navbar>
      <AppShell.Main>
        <Suspense fallback={<Loader aria-label={t('common.loading')} />}>
          <Outlet />
        </Suspense>
      </AppShell.Main>
    </AppShell>
  );
}

function Navigation({ onNavigate }: { onNavigate: () => void }) {
  const { t } = useTranslation();
  const { guildId } = useParams();
  const location = useLocation();
  const navigate = useNavigate();
  const guilds = useGuilds();
  const link = (to: string, label: string) => (
    <NavLink key={to} component={Link} to={to} label={label} active={location.pathname === to} onClick={onNavigate} />
  );
  const guildOptions = (guilds.data ?? []).map((guild) => ({ value: guild.id, label: guild.name }));
  const selected = guildId ?? (guildOptions.length === 1 ? guildOptions[0]!.value : undefined);

  return (
    <nav>
      {link('/servers', t('nav.servers'))}
      <Divider my="xs" label={t('nav.server')} labelPosition="left" />
      <Select
        px="xs"
        mb="xs"
        size="xs"
        aria-label={t('nav.chooseServer')}
        placeholder={guildOptions.length ? t('nav.chooseServer') : t('nav.noServers')}
        data={guildOptions}
        value={selected ?? null}
        disabled={guildOptions.length === 0}
        onChange={(id) => id && navigate(`/servers/${id}/setup`)}
      />
      {selected && (
        <>
          {link(`/servers/${selected}/setup`, t('nav.setup'))}
          {link(`/servers/${selected}/moderation`, t('nav.moderation'))}
          {link(`/servers/${selected}/moderation/log`, t('nav.moderationLog'))}
          {link(`/servers/${selected}/proactive`, t('nav.proactive'))}
        </>
      )}
      <Divider my="xs" label={t('nav.workspace')} labelPosition="left" />
      {link('/knowledge', t('nav.knowledge'))}
      {link('/live', t('nav.live'))}
      {link('/usage', t('nav.usage'))}
      {link('/bot', t('nav.bot'))}
      {link('/api-keys', t('nav.apiKeys'))}
      {link('/team', t('nav.team'))}
    </nav>
  );
}

function SignOutButton() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const signOut = async () => {
    await post('/auth/logout').catch(() => undefined);
    queryClient.clear();
    navigate('/login');
  };
  return (
    <Button variant="default" size="xs" onClick={signOut}>
      {t('nav.signOut')}
    </Button>
  );
}
