import { Anchor, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { PageHeader } from '../components/PageHeader';

export default function NotFoundPage() {
  const { t } = useTranslation();
  return (
    <>
      <PageHeader title={t('notFound.title')} />
      <Text>
        <Anchor component={Link} to="/servers">
          {t('notFound.back')}
        </Anchor>
      </Text>
    </>
  );
}
