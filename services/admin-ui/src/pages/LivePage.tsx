import { Alert, Badge, Button, Card, Grid, Group, Paper, ScrollArea, SegmentedControl, Stack, Text, Textarea, Title, UnstyledButton } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { get, idempotencyKey, post } from '../api/client';
import type { Conversation, ConversationDetail, ConversationState } from '../api/types';
import { useLiveFeed, type LiveEvent } from '../api/useLiveFeed';
import { useFormat } from '../format';
import { PageHeader } from '../components/PageHeader';
import { PlanGate } from '../components/PlanGate';
import { EmptyState, QueryState, RequestError } from '../components/QueryState';

const STATE_COLORS: Record<ConversationState, string> = { ai: 'indigo', human: 'teal', escalated: 'red' };
type Filter = 'all' | ConversationState;
const SAFETY_REFRESH_MS = 10_000;

export default function LivePage() {
  const { t } = useTranslation();
  return (
    <>
      <PageHeader title={t('live.title')} description={t('live.description')} />
      <PlanGate feature="liveMonitoring">
        <LiveMonitor />
      </PlanGate>
    </>
  );
}

function LiveMonitor() {
  const { t } = useTranslation();
  const format = useFormat();
  const [filter, setFilter] = useState<Filter>('all');
  const [selected, setSelected] = useState<string | undefined>();
  const [resumed, setResumed] = useState<Record<string, number>>({});
  const feed = useLiveFeed((event: LiveEvent) => {
    if (event.name === 'resumed' && event.conversationId) setResumed((all) => ({ ...all, [event.conversationId!]: event.at }));
    if (event.name === 'takeover' && event.conversationId) setResumed(({ [event.conversationId!]: _, ...rest }) => rest);
  });
  const conversations = useQuery({
    queryKey: ['conversations', filter],
    queryFn: () => get<{ conversations: Conversation[] }>(`/conversations?limit=50${filter === 'all' ? '' : `&state=${filter}`}`),
    // The feed refreshes on every event; this only catches what a dropped connection missed.
    refetchInterval: SAFETY_REFRESH_MS,
  });

  return (
    <Stack>
      <Group justify="space-between">
        <SegmentedControl
          aria-label={t('live.filter')}
          value={filter}
          onChange={(value) => setFilter(value as Filter)}
          data={(['all', 'ai', 'human', 'escalated'] as const).map((value) => ({ value, label: t(`live.filters.${value}`) }))}
        />
        <Badge color={feed === 'open' ? 'green' : 'yellow'} variant="dot" role="status">
          {t(`live.feed.${feed}`)}
        </Badge>
      </Group>
      <Grid>
        <Grid.Col span={{ base: 12, md: 5 }}>
          <QueryState query={conversations}>
            {({ conversations: list }) =>
              list.length === 0 ? (
                <EmptyState>{t('live.empty')}</EmptyState>
              ) : (
                <Stack gap="xs" component="ul" p={0} m={0} style={{ listStyle: 'none' }} aria-label={t('live.conversations')}>
                  {list.map((conversation) => (
                    <li key={conversation.id}>
                      <UnstyledButton w="100%" onClick={() => setSelected(conversation.id)} aria-current={selected === conversation.id}>
                        <Paper
                          withBorder
                          p="sm"
                          data-state={conversation.state}
                          style={{
                            borderColor: conversation.state === 'escalated' ? 'var(--mantine-color-red-6)' : selected === conversation.id ? 'var(--mantine-color-indigo-6)' : undefined,
                            borderWidth: conversation.state === 'escalated' || selected === conversation.id ? 2 : 1,
                          }}
                        >
                          <Group justify="space-between" wrap="nowrap">
                            <Text fw={600} size="sm">
                              {conversation.authorName}
                            </Text>
                            <Badge color={STATE_COLORS[conversation.state]}>{t(`live.states.${conversation.state}`)}</Badge>
                          </Group>
                          {conversation.lastQuestion && (
                            <Text size="sm" lineClamp={2}>
                              {conversation.lastQuestion}
                            </Text>
                          )}
                          <Text size="xs" c="dimmed">
                            {format.dateTime(conversation.lastMessageAt)}
                          </Text>
                        </Paper>
                      </UnstyledButton>
                    </li>
                  ))}
                </Stack>
              )
            }
          </QueryState>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 7 }}>
          {selected ? <ConversationPanel id={selected} resumedAt={resumed[selected]} /> : <EmptyState>{t('live.pick')}</EmptyState>}
        </Grid.Col>
      </Grid>
    </Stack>
  );
}

function ConversationPanel({ id, resumedAt }: { id: string; resumedAt?: number }) {
  const { t } = useTranslation();
  const format = useFormat();
  const queryClient = useQueryClient();
  const [reply, setReply] = useState('');
  // One key per draft: sending it again after an error (the message may have gone out) posts it
  // once; an edited draft is a new message.
  const replyKey = useMemo(() => idempotencyKey(), [reply]);
  const conversation = useQuery({
    queryKey: ['conversation', id],
    queryFn: () => get<ConversationDetail>(`/conversations/${id}`),
    refetchInterval: SAFETY_REFRESH_MS,
  });
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: ['conversation', id] });
    void queryClient.invalidateQueries({ queryKey: ['conversations'] });
  };
  const action = useMutation({ mutationFn: (verb: 'takeover' | 'release') => post(`/conversations/${id}/${verb}`), onSuccess: refresh });
  const send = useMutation({
    mutationFn: () => post(`/conversations/${id}/messages`, { content: reply.trim() }, { 'Idempotency-Key': replyKey }),
    onSuccess: () => {
      setReply('');
      refresh();
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (reply.trim()) send.mutate();
  };

  return (
    <QueryState query={conversation}>
      {(detail) => (
        <Card withBorder component="section" aria-labelledby="conversation-title">
          <Group justify="space-between" mb="sm">
            <Title order={2} size="h4" id="conversation-title">
              {t('live.conversationWith', { name: detail.authorName })}
            </Title>
            <Badge color={STATE_COLORS[detail.state]}>{t(`live.states.${detail.state}`)}</Badge>
          </Group>
          {detail.state === 'escalated' && (
            <Alert color="red" mb="sm" title={t('live.escalatedTitle')}>
              {t('live.escalatedBody')}
            </Alert>
          )}
          {detail.state === 'human' && (
            <Text size="sm" c="dimmed" mb="sm" role="status">
              {detail.resumesAt
                ? t('live.inChargeUntil', { name: detail.assignedAgent?.name ?? '', time: format.time(detail.resumesAt) })
                : t('live.inCharge', { name: detail.assignedAgent?.name ?? '' })}
            </Text>
          )}
          {detail.state === 'ai' && resumedAt && (
            <Alert color="blue" mb="sm" role="status">
              {t('live.resumed')}
            </Alert>
          )}
          <ScrollArea h={360} type="auto">
            <Stack gap="xs" aria-label={t('live.transcript')} role="log">
              {detail.turns.map((turn, index) => (
                <Paper key={index} p="xs" bg={turn.role === 'member' ? 'var(--mantine-color-default-hover)' : undefined} withBorder={turn.role !== 'member'} ml={turn.role === 'member' ? 0 : 'xl'}>
                  <Group justify="space-between">
                    <Text size="xs" fw={600}>
                      {t(`live.roles.${turn.role}`)}
                      {turn.role !== 'bot' && turn.authorName ? ` · ${turn.authorName}` : ''}
                    </Text>
                    <Text size="xs" c="dimmed">
                      {format.dateTime(turn.at)}
                    </Text>
                  </Group>
                  <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
                    {turn.content}
                  </Text>
                  {turn.sources && turn.sources.length > 0 && (
                    <Text size="xs" c="dimmed">
                      {t('live.sources', { titles: turn.sources.map((source) => source.title).join(', ') })}
                    </Text>
                  )}
                  {turn.delivery === 'sending' && (
                    <Text size="xs" c="dimmed">
                      {t('live.sending')}
                    </Text>
                  )}
                  {turn.delivery === 'failed' && (
                    <Text size="xs" c="red" role="alert">
                      {t('live.notDelivered', { reason: turn.deliveryError ?? '' })}
                    </Text>
                  )}
                  {turn.feedback && turn.feedback.helpful + turn.feedback.notHelpful > 0 && (
                    <Text size="xs" c="dimmed">
                      {t('live.votes', turn.feedback)}
                    </Text>
                  )}
                </Paper>
              ))}
            </Stack>
          </ScrollArea>
          {(action.isError || send.isError) && <RequestError error={action.error ?? send.error} />}
          {detail.state === 'human' ? (
            <form onSubmit={submit}>
              <Stack mt="md">
                <Textarea label={t('live.reply')} description={t('live.replyHelp')} value={reply} onChange={(e) => setReply(e.currentTarget.value)} autosize minRows={2} />
                <Group justify="space-between">
                  <Button variant="default" onClick={() => action.mutate('release')} loading={action.isPending}>
                    {t('live.release')}
                  </Button>
                  <Button type="submit" loading={send.isPending} disabled={!reply.trim()}>
                    {t('live.send')}
                  </Button>
                </Group>
              </Stack>
            </form>
          ) : (
            <Group mt="md" justify="flex-end">
              <Text size="sm" c="dimmed">
                {t('live.takeOverHelp')}
              </Text>
              <Button onClick={() => action.mutate('takeover')} loading={action.isPending}>
                {t('live.takeOver')}
              </Button>
            </Group>
          )}
        </Card>
      )}
    </QueryState>
  );
}
