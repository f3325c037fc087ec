import { Alert, Badge, Button, Group, PasswordInput, Stack, Table, TextInput } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { get, post } from '../api/client';
import type { TeamMember } from '../api/types';
import { PageHeader } from '../components/PageHeader';
import { Section } from '../components/Section';
import { EmptyState, QueryState, RequestError } from '../components/QueryState';

export default function TeamPage() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [form, setForm] = useState({ email: '', password: '' });
  const team = useQuery({ queryKey: ['team'], queryFn: () => get<{ members: TeamMember[] }>('/team') });
  const invite = useMutation({
    mutationFn: () => post('/team/agents', form),
    onSuccess: () => {
      setForm({ email: '', password: '' });
      void queryClient.invalidateQueries({ queryKey: ['team'] });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    invite.mutate();
  };

  return (
    <>
      <PageHeader title={t('team.title')} description={t('team.description')} />
      <Stack>
        <Section id="invite" title={t('team.invite')}>
          <form onSubmit={submit}>
            <Group align="flex-end">
              <TextInput style={{ flex: 1 }} type="email" label={t('auth.email')} value={form.email} onChange={(e) => setForm({ ...form, email: e.currentTarget.value })} required />
              <PasswordInput style={{ flex: 1 }} label={t('team.initialPassword')} value={form.password} onChange={(e) => setForm({ ...form, password: e.currentTarget.value })} required minLength={8} />
              <Button type="submit" loading={invite.isPending}>
                {t('team.inviteButton')}
              </Button>
            </Group>
          </form>
          {invite.isError && <RequestError error={invite.error} />}
          {invite.isSuccess && (
            <Alert color="green" mt="md" role="status">
              {t('team.invited')}
            </Alert>
          )}
        </Section>
        <QueryState query={team}>
          {({ members }) =>
            members.length === 0 ? (
              <EmptyState>{t('team.empty')}</EmptyState>
            ) : (
              <Table aria-label={t('team.title')}>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('auth.email')}</Table.Th>
                    <Table.Th>{t('team.role')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {members.map((member) => (
                    <Table.Tr key={member.id}>
                      <Table.Td>{member.email}</Table.Td>
                      <Table.Td>
                        <Badge variant="light">{t(`roles.${member.role}`, { defaultValue: member.role })}</Badge>
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
