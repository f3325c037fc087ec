import { Alert, Button, Group, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { RequestError } from './QueryState';

/** Save button with the outcome of the last save, for a settings form. */
/** What SaveBar reads of a save mutation. */
interface SaveState {
  isPending: boolean;
  isError: boolean;
  isSuccess: boolean;
  error: Error | null;
}

export function SaveBar({ save, dirty, onSave }: { save: SaveState; dirty: boolean; onSave: () => void }) {
  const { t } = useTranslation();
  return (
    <Group justify="flex-end" mt="lg">
      {save.isSuccess && !dirty && (
        <Text c="green.9" size="sm" role="status">
          {t('common.saved')}
        </Text>
      )}
      {save.isError && (
        <Alert color="red" p="xs">
          <RequestError error={save.error} />
        </Alert>
      )}
      <Button onClick={onSave} loading={save.isPending} disabled={!dirty}>
        {t('common.save')}
      </Button>
    </Group>
  );
}
