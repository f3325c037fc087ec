import { Alert, Button, Center, Loader } from '@mantine/core';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { usePlan } from '../api/queries';
import type { Plan } from '../api/types';

export function PlanRequired({ plan }: { plan: string }) {
  const { t } = useTranslation();
  const planName = t(`plans.${plan}`, { defaultValue: plan });
  return (
    <Alert color="violet" title={t('plan.requiredTitle', { plan: planName })} role="status">
      {t('plan.requiredBody', { plan: planName })}{' '}
      <Button component={Link} to="/usage" variant="subtle" size="compact-sm">
        {t('plan.seePlan')}
      </Button>
    </Alert>
  );
}

/**
 * Shows the children when the tenant's plan includes the feature, else which plan unlocks it.
 * Waits for the plan first, so a gated page never calls routes the plan does not allow; when
 * the plan cannot be read, the page is shown and the API's own answer decides.
 */
export function PlanGate({ feature, children }: { feature: keyof Plan['features']; children: ReactNode }) {
  const { t } = useTranslation();
  const plan = usePlan();
  if (plan.isPending) {
    return (
      <Center py="xl">
        <Loader aria-label={t('common.loading')} />
      </Center>
    );
  }
  if (plan.data && !plan.data.features[feature]) return <PlanRequired plan="standard" />;
  return <>{children}</>;
}
