import { Alert, Badge, Button, Code, CopyButton, Group, Stack, Table, TextInput } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { get, post, remove } from '../api/client';
import type { ApiKey } from '../api/types';
import { useFormat } from '../format';
import { PageHeader } from '../components/PageHeader';
import { Section } from '../components/Section';
import { EmptyState, QueryState, RequestError } from '../components/QueryState';

export default function ApiKeysPage() {
  const { t } = useTranslation();
  const format = useFormat();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const keys = useQuery({ queryKey: ['api-keys'], queryFn: () => get<{ keys: ApiKey[] }>('/api-keys') });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['api-keys'] });
  const create = useMutation({
    mutationFn: () => post<{ id: string; name: string; key: string }>('/api-keys', { name: name.trim() }),
    onSuccess: () => {
      setName('');
      void refresh();
    },
  });
  const revoke = useMutation({ mutationFn: (id: string) => remove(`/api-keys/${id}`), onSettled: refresh });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (name.trim()) create.mutate();
  };

  return (
    <>
      <PageHeader title={t('apiKeys.title')} description={t('apiKeys.description')} />
      <Stack>
        <Section id="new-key" title={t('apiKeys.create')}>
          <form onSubmit={submit}>
            <Group align="flex-end">
              <TextInput style={{ flex: 1 }} label={t('apiKeys.name')} description={t('apiKeys.nameHelp')} value={name} onChange={(e) => setName(e.currentTarget.value)} required />
              <Button type="submit" loading={create.isPending}>
                {t('apiKeys.createButton')}
              </Button>
            </Group>
          </form>
          {create.isError && <RequestError error={create.error} />}
          {create.data && (
            <Alert color="green" mt="md" title={t('apiKeys.createdTitle')}>
              {t('apiKeys.createdBody')}
              <Group mt="xs" wrap="nowrap">
                <Code style={{ overflowWrap: 'anywhere' }}>{create.data.key}</Code>
                <CopyButton value={create.data.key}>
                  {({ copied, copy }) => (
                    <Button size="xs" onClick={copy}>
                      {copied ? t('common.copied') : t('common.copy')}
                    </Button>
                  )}
                </CopyButton>
              </Group>
            </Alert>
          )}
        </Section>
        <QueryState query={keys}>
          {({ keys: list }) =>
            list.length === 0 ? (
              <EmptyState>{t('apiKeys.empty')}</EmptyState>
            ) : (
              <Table aria-label={t('apiKeys.title')}>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('apiKeys.name')}</Table.Th>
                    <Table.Th>{t('apiKeys.prefix')}</Table.Th>
                    <Table.Th>{t('apiKeys.created')}</Table.Th>
                    <Table.Th>{t('apiKeys.lastUsed')}</Table.Th>
                    <Table.Th>{t('apiKeys.status')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {list.map((key) => (
                    <Table.Tr key={key.id}>
                      <Table.Td>{key.name}</Table.Td>
                      <Table.Td>
                        <Code>{key.prefix}…</Code>
                      </Table.Td>
                      <Table.Td>{format.date(key.createdAt)}</Table.Td>
                      <Table.Td>{key.lastUsedAt ? format.dateTime(key.lastUsedAt) : t('apiKeys.never')}</Table.Td>
                      <Table.Td>
                        {key.revokedAt ? (
                          <Badge color="gray">{t('apiKeys.revoked')}</Badge>
                        ) : (
                          <Button size="xs" color="red" variant="light" onClick={() => revoke.mutate(key.id)} aria-label={t('apiKeys.revokeNamed', { name: key.name })}>
                            {t('apiKeys.revoke')}
                          </Button>
                        )}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )
          }
        </QueryState>
      </Stack>
    </>
  );
}
