import { Alert, Center, Loader, Text } from '@mantine/core';
import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiRequestError } from '../api/client';
import { PlanRequired } from './PlanGate';

/** A failed request as the reader should see it: missing feature, plan to upgrade, or the error. */
export function RequestError({ error }: { error: unknown }) {
  const { t } = useTranslation();
  if (error instanceof ApiRequestError && error.requiredPlan) return <PlanRequired plan={error.requiredPlan} />;
  if (error instanceof ApiRequestError && error.isMissing) {
    return (
      <Alert color="gray" title={t('common.unavailableTitle')} role="status">
        {t('common.unavailable')}
      </Alert>
    );
  }
  return (
    <Alert color="red" title={t('common.errorTitle')} role="alert">
      {error instanceof Error ? error.message : String(error)}
    </Alert>
  );
}

/** Loader while loading, RequestError on failure, else the children with the data. */
export function QueryState<T>({ query, children }: { query: UseQueryResult<T>; children: (data: T) => ReactNode }) {
  const { t } = useTranslation();
  if (query.isPending) {
    return (
      <Center py="xl">
        <Loader aria-label={t('common.loading')} />
      </Center>
    );
  }
  if (query.isError) return <RequestError error={query.error} />;
  return <>{children(query.data)}</>;
}

export function EmptyState({ children }: { children: ReactNode }) {
  return (
    <Text c="dimmed" ta="center" py="lg">
      {children}
    </Text>
  );
}
