import { Badge, Button, Group, ScrollArea, Select, Spoiler, Stack, Table, Text } from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
import { get } from '../api/client';
import { MODERATION_ACTIONS, type ModerationLogEntry } from '../api/types';
import { useFormat } from '../format';
import { PageHeader } from '../components/PageHeader';
import { EmptyState, RequestError } from '../components/QueryState';

const OUTCOMES = ['pending', 'done', 'failed', 'blocked', 'shadow', 'flagged'] as const;
const OUTCOME_COLORS: Record<string, string> = { done: 'green.9', pending: 'gray', failed: 'red.8', blocked: 'orange', shadow: 'violet', flagged: 'yellow' };
const PAGE_SIZE = 50;

export default function ModerationLogPage() {
  const { t } = useTranslation();
  const format = useFormat();
  const { guildId = '' } = useParams();
  const [action, setAction] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<string | null>(null);
  const log = useInfiniteQuery({
    queryKey: ['moderation-log', guildId, action, outcome],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) => {
      const query = new URLSearchParams({ guildId, limit: String(PAGE_SIZE) });
      if (action) query.set('action', action);
      if (outcome) query.set('outcome', outcome);
      if (pageParam) query.set('cursor', pageParam);
      return get<{ entries: ModerationLogEntry[]; nextCursor: string | null }>(`/moderation/log?${query}`);
    },
    getNextPageParam: (page) => page.nextCursor ?? undefined,
    refetchInterval: 10_000,
  });
  const entries = log.data?.pages.flatMap((page) => page.entries) ?? [];

  return (
    <>
      <PageHeader title={t('moderationLog.title')} description={t('moderationLog.description')} />
      <Stack>
        <Group>
          <Select label={t('moderationLog.action')} placeholder={t('moderationLog.all')} clearable data={MODERATION_ACTIONS.map((value) => ({ value, label: t(`moderationActions.${value}`) }))} value={action} onChange={setAction} w={200} />
          <Select label={t('moderationLog.outcome')} placeholder={t('moderationLog.all')} clearable data={OUTCOMES.map((value) => ({ value, label: t(`outcomes.${value}`) }))} value={outcome} onChange={setOutcome} w={200} />
        </Group>
        {log.isError ? (
          <RequestError error={log.error} />
        ) : log.isPending ? null : entries.length === 0 ? (
          <EmptyState>{t('moderationLog.empty')}</EmptyState>
        ) : (
          <ScrollArea>
            <Table striped highlightOnHover miw={900} aria-label={t('moderationLog.title')}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('moderationLog.time')}</Table.Th>
                  <Table.Th>{t('moderationLog.author')}</Table.Th>
                  <Table.Th>{t('moderationLog.message')}</Table.Th>
                  <Table.Th>{t('moderationLog.action')}</Table.Th>
                  <Table.Th>{t('moderationLog.reason')}</Table.Th>
                  <Table.Th>{t('moderationLog.outcome')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {entries.map((entry) => (
                  <Table.Tr key={entry.id}>
                    <Table.Td>{format.dateTime(entry.createdAt)}</Table.Td>
                    <Table.Td>
                      <Text size="sm">{entry.authorName}</Text>
                      <Text size="xs" c="dimmed">
                        {entry.channelName ? `#${entry.channelName}` : entry.channelId}
                      </Text>
                    </Table.Td>
                    <Table.Td maw={320}>
                      <Spoiler maxHeight={44} showLabel={t('common.more')} hideLabel={t('common.less')}>
                        <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
                          {entry.content}
                        </Text>
                      </Spoiler>
                    </Table.Td>
                    <Table.Td>{t(`moderationActions.${entry.action}`)}</Table.Td>
                    <Table.Td>
                      <Text size="sm">{entry.reason}</Text>
                      {entry.rule && (
                        <Text size="xs" c="dimmed">
                          {t('moderationLog.rule', { rule: entry.rule })}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Badge color={OUTCOME_COLORS[entry.outcome] ?? 'gray'}>{t(`outcomes.${entry.outcome}`)}</Badge>
                      {entry.detail && (
                        <Text size="xs" c="dimmed">
                          {entry.detail}
                        </Text>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollArea>
        )}
        {log.hasNextPage && (
          <Button variant="default" onClick={() => log.fetchNextPage()} loading={log.isFetchingNextPage}>
            {t('common.loadMore')}
          </Button>
        )}
      </Stack>
    </>
  );
}
