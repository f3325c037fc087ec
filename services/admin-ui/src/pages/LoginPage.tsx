import { Alert, Anchor, Button, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { ApiRequestError, post } from '../api/client';
import type { Me } from '../api/types';
import { AuthFrame } from './AuthFrame';

/** Only paths of this app: `next` must not send the user to another site. */
export const safeNext = (next: string | null) => (next && next.startsWith('/') && !next.startsWith('//') ? next : '/servers');

export default function LoginPage() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const login = useMutation({
    mutationFn: () => post<Me>('/auth/login', { email, password }),
    onSuccess: (me) => {
      queryClient.setQueryData(['me'], me);
      navigate(safeNext(params.get('next')));
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    login.mutate();
  };
  const error = login.error instanceof ApiRequestError ? login.error : undefined;
  const message =
    error?.status === 401 ? t('auth.badCredentials') : error?.status === 429 ? t('auth.tooManyAttempts') : login.error?.message;

  return (
    <AuthFrame title={t('auth.loginTitle')}>
      <form onSubmit={submit} noValidate>
        <Stack>
          {login.isError && (
            <Alert color="red" role="alert">
              {message}
            </Alert>
          )}
          <TextInput label={t('auth.email')} type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.currentTarget.value)} />
          <PasswordInput label={t('auth.password')} autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.currentTarget.value)} />
          <Button type="submit" loading={login.isPending}>
            {t('auth.signIn')}
          </Button>
          <Text size="sm">
            {t('auth.noAccount')}{' '}
            <Anchor component={Link} to="/signup">
              {t('auth.createAccount')}
            </Anchor>
          </Text>
        </Stack>
      </form>
    </AuthFrame>
  );
}
