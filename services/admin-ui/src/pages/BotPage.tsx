import { Alert, Badge, Button, Card, Code, CopyButton, Group, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { get, put, remove } from '../api/client';
import type { BotConfig } from '../api/types';
import { PageHeader } from '../components/PageHeader';
import { Section } from '../components/Section';
import { QueryState, RequestError } from '../components/QueryState';

const SNOWFLAKE = /^\d{17,20}$/;
const PUBLIC_KEY = /^[0-9a-f]{64}$/i;
/** Discord bot tokens: three dot-separated base64url parts. */
const TOKEN = /^[\w-]{20,}\.[\w-]{4,}\.[\w-]{20,}$/;

export default function BotPage() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const bot = useQuery({ queryKey: ['bot'], queryFn: () => get<BotConfig>('/bot') });
  const [form, setForm] = useState({ applicationId: '', publicKey: '', token: '' });
  const [touched, setTouched] = useState(false);
  const problems = {
    applicationId: SNOWFLAKE.test(form.applicationId.trim()) ? undefined : t('bot.applicationIdInvalid'),
    publicKey: PUBLIC_KEY.test(form.publicKey.trim()) ? undefined : t('bot.publicKeyInvalid'),
    token: TOKEN.test(form.token.trim()) ? undefined : t('bot.tokenInvalid'),
  };
  const save = useMutation({
    mutationFn: () => put<BotConfig>('/bot', { applicationId: form.applicationId.trim(), publicKey: form.publicKey.trim(), token: form.token.trim() }),
    onSuccess: () => {
      setForm({ applicationId: '', publicKey: '', token: '' });
      setTouched(false);
      void queryClient.invalidateQueries({ queryKey: ['bot'] });
    },
  });
  const reset = useMutation({ mutationFn: () => remove('/bot'), onSuccess: () => queryClient.invalidateQueries({ queryKey: ['bot'] }) });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (!Object.values(problems).some(Boolean)) save.mutate();
  };
  const field = (name: keyof typeof form) => ({
    value: form[name],
    onChange: (event: React.ChangeEvent<HTMLInputElement>) => setForm({ ...form, [name]: event.currentTarget.value }),
    error: touched ? problems[name] : undefined,
    required: true,
  });

  return (
    <>
      <PageHeader title={t('bot.title')} description={t('bot.description')} />
      <QueryState query={bot}>
        {(config) => (
          <Stack>
            <Card withBorder>
              <Group justify="space-between">
                <Text>{config.mode === 'custom' ? t('bot.usingCustom', { name: config.botUsername ?? config.applicationId }) : t('bot.usingPlatform')}</Text>
                <Badge>{t(`bot.modes.${config.mode}`)}</Badge>
              </Group>
              <Text size="sm" mt="md" fw={600}>
                {t('bot.endpoint')}
              </Text>
              <Text size="xs" c="dimmed">
                {t('bot.endpointHelp')}
              </Text>
              <Group mt={4} wrap="nowrap">
                <Code style={{ overflowWrap: 'anywhere' }}>{config.interactionsEndpointUrl}</Code>
                <CopyButton value={config.interactionsEndpointUrl}>
                  {({ copied, copy }) => (
                    <Button size="xs" variant="light" onClick={copy}>
                      {copied ? t('common.copied') : t('common.copy')}
                    </Button>
                  )}
                </CopyButton>
              </Group>
              {config.mode === 'custom' && (
                <Button mt="md" variant="default" color="red" onClick={() => reset.mutate()} loading={reset.isPending}>
                  {t('bot.backToPlatform')}
                </Button>
              )}
            </Card>
            <Section id="custom-bot" title={t('bot.connectTitle')}>
              <form onSubmit={submit} noValidate>
                <Stack>
                  <TextInput label={t('bot.applicationId')} description={t('bot.applicationIdHelp')} inputMode="numeric" {...field('applicationId')} />
                  <TextInput label={t('bot.publicKey')} description={t('bot.publicKeyHelp')} {...field('publicKey')} />
                  <PasswordInput label={t('bot.token')} description={t('bot.tokenHelp')} autoComplete="off" {...field('token')} />
                  {save.isError && <RequestError error={save.error} />}
                  {save.isSuccess && (
                    <Alert color="green" role="status">
                      {t('bot.saved')}
                    </Alert>
                  )}
                  <Group justify="flex-end">
                    <Button type="submit" loading={save.isPending}>
                      {t('bot.verifyAndSave')}
                    </Button>
                  </Group>
                </Stack>
              </form>
            </Section>
          </Stack>
        )}
      </QueryState>
    </>
  );
}
