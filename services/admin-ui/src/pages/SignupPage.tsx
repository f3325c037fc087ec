import { Alert, Anchor, Button, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { ApiRequestError, post } from '../api/client';
import type { Me } from '../api/types';
import { AuthFrame } from './AuthFrame';

const MIN_PASSWORD_LENGTH = 8;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export default function SignupPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [form, setForm] = useState({ tenantName: '', email: '', password: '' });
  const [touched, setTouched] = useState(false);
  const problems = {
    tenantName: form.tenantName.trim() ? undefined : t('auth.tenantNameRequired'),
    email: EMAIL.test(form.email) ? undefined : t('auth.emailInvalid'),
    password: form.password.length >= MIN_PASSWORD_LENGTH ? undefined : t('auth.passwordTooShort', { min: MIN_PASSWORD_LENGTH }),
  };
  const signup = useMutation({
    mutationFn: () => post<Me>('/auth/signup', { ...form, tenantName: form.tenantName.trim() }),
    onSuccess: (me) => {
      queryClient.setQueryData(['me'], me);
      navigate('/servers');
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (!Object.values(problems).some(Boolean)) signup.mutate();
  };
  const field = (name: keyof typeof form) => ({
    value: form[name],
    onChange: (event: React.ChangeEvent<HTMLInputElement>) => setForm({ ...form, [name]: event.currentTarget.value }),
    error: touched ? problems[name] : undefined,
    required: true,
  });
  const error = signup.error instanceof ApiRequestError ? signup.error : undefined;

  return (
    <AuthFrame title={t('auth.signupTitle')}>
      <form onSubmit={submit} noValidate>
        <Stack>
          <Text size="sm" c="dimmed">
            {t('auth.signupIntro')}
          </Text>
          {signup.isError && (
            <Alert color="red" role="alert">
              {error?.status === 409 ? t('auth.emailTaken') : signup.error.message}
            </Alert>
          )}
          <TextInput label={t('auth.tenantName')} description={t('auth.tenantNameHint')} autoComplete="organization" {...field('tenantName')} />
          <TextInput label={t('auth.email')} type="email" autoComplete="email" {...field('email')} />
          <PasswordInput label={t('auth.password')} autoComplete="new-password" description={t('auth.passwordHint', { min: MIN_PASSWORD_LENGTH })} {...field('password')} />
          <Button type="submit" loading={signup.isPending}>
            {t('auth.createAccount')}
          </Button>
          <Text size="sm">
            {t('auth.haveAccount')}{' '}
            <Anchor component={Link} to="/login">
              {t('auth.signIn')}
            </Anchor>
          </Text>
        </Stack>
      </form>
    </AuthFrame>
  );
}
