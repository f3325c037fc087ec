import { Alert, Button, Container } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useRouteError } from 'react-router';

/** A page that failed to load or render: say so and offer a reload (a new version may be deployed). */
export function RouteError() {
  const { t } = useTranslation();
  const error = useRouteError();
  return (
    <Container size="sm" py="xl">
      <Alert color="red" title={t('common.errorTitle')} role="alert">
        {error instanceof Error ? error.message : String(error)}
        <Button mt="md" onClick={() => window.location.reload()}>
          {t('common.reload')}
        </Button>
      </Alert>
    </Container>
  );
}
