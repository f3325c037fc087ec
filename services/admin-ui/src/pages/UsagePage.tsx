import { Badge, Card, Group, Progress, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Bar, BarChart, CartesianGrid, Cell, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { get } from '../api/client';
import { usePlan } from '../api/queries';
import { USAGE_KINDS, type Usage, type UsageKind } from '../api/types';
import { useFormat } from '../format';
import { PageHeader } from '../components/PageHeader';
import { Section } from '../components/Section';
import { QueryState } from '../components/QueryState';

const KIND_COLORS: Record<UsageKind, string> = { answer: '#4c6ef5', moderation: '#f76707', proactive: '#12b886', api: '#7950f2' };
const PLAN_FEATURES = ['discord', 'liveMonitoring', 'takeover', 'escalation'] as const;

export default function UsagePage() {
  const { t } = useTranslation();
  const format = useFormat();
  const usage = useQuery({ queryKey: ['usage'], queryFn: () => get<Usage>('/usage'), refetchInterval: 30_000 });
  const plan = usePlan();

  return (
    <>
      <PageHeader title={t('usage.title')} description={t('usage.description')} />
      <QueryState query={usage}>
        {(data) => {
          const fraction = data.quota > 0 ? Math.min(1, data.used / data.quota) : 0;
          // One stacked bar per day, a segment per kind.
          const daily = data.daily.map((day) => ({ ...day.byKind, label: format.day(day.date) }));
          const kinds = USAGE_KINDS.map((kind) => ({ kind, label: t(`usageKinds.${kind}`), count: data.byKind[kind] ?? 0 }));
          return (
            <Stack>
              <Card withBorder component="section" aria-labelledby="quota">
                <Group justify="space-between" mb="xs">
                  <Title order={2} size="h4" id="quota">
                    {t('usage.quota')}
                  </Title>
                  <Badge size="lg">{t(`plans.${data.plan}`, { defaultValue: data.plan })}</Badge>
                </Group>
                <Text size="sm" c="dimmed" mb="sm">
                  {t('usage.period', { start: format.calendarDate(data.period.start), end: format.calendarDate(lastDayOf(data.period)) })}
                </Text>
                <Progress size="xl" value={fraction * 100} color={fraction > 0.9 ? 'red' : fraction > 0.75 ? 'orange' : 'indigo'} aria-label={t('usage.quota')} />
                <Group justify="space-between" mt="xs">
                  <Text size="sm">{t('usage.used', { used: format.number(data.used), quota: format.number(data.quota) })}</Text>
                  <Text size="sm">{t('usage.remaining', { remaining: format.number(data.remaining) })}</Text>
                </Group>
                <Text size="xs" c="dimmed" mt="xs">
                  {t('usage.whatCounts')}
                </Text>
              </Card>
              <SimpleGrid cols={{ base: 2, md: 4 }}>
                {USAGE_KINDS.map((kind) => (
                  <Card withBorder key={kind} padding="sm">
                    <Text size="xs" c="dimmed">
                      {t(`usageKinds.${kind}`)}
                    </Text>
                    <Text fw={700} size="xl" c={KIND_COLORS[kind]}>
                      {format.number(data.byKind[kind] ?? 0)}
                    </Text>
                  </Card>
                ))}
              </SimpleGrid>
              <Card withBorder component="section" aria-labelledby="daily">
                <Title order={2} size="h4" id="daily" mb="md">
                  {t('usage.daily')}
                </Title>
                {daily.length === 0 ? (
                  <Text c="dimmed">{t('usage.noDaily')}</Text>
                ) : (
                  <div style={{ width: '100%', height: 280 }} role="img" aria-label={t('usage.dailyChart')}>
                    <ResponsiveContainer>
                      <BarChart data={daily}>
                        <CartesianGrid strokeDasharray="3 3" vertical={false} />
                        <XAxis dataKey="label" fontSize={12} />
                        <YAxis fontSize={12} tickFormatter={(value: number) => format.number(value)} allowDecimals={false} />
                        <Tooltip formatter={(value) => format.number(Number(value))} />
                        <Legend />
                        {USAGE_KINDS.map((kind) => (
                          <Bar key={kind} isAnimationActive={false} dataKey={kind} stackId="kinds" name={t(`usageKinds.${kind}`)} fill={KIND_COLORS[kind]} />
                        ))}
                      </BarChart>
                    </ResponsiveContainer>
                  </div>
                )}
              </Card>
              <Card withBorder component="section" aria-labelledby="by-kind">
                <Title order={2} size="h4" id="by-kind" mb="md">
                  {t('usage.byKind')}
                </Title>
                <div style={{ width: '100%', height: 200 }} role="img" aria-label={t('usage.byKind')}>
                  <ResponsiveContainer>
                    <BarChart data={kinds} layout="vertical" margin={{ left: 40 }}>
                      <CartesianGrid strokeDasharray="3 3" horizontal={false} />
                      <XAxis type="number" fontSize={12} allowDecimals={false} tickFormatter={(value: number) => format.number(value)} />
                      <YAxis type="category" dataKey="label" fontSize={12} width={150} />
                      <Tooltip formatter={(value) => format.number(Number(value))} />
                      <Bar isAnimationActive={false} dataKey="count" name={t('usage.messages')}>
                        {kinds.map(({ kind }) => (
                          <Cell key={kind} fill={KIND_COLORS[kind]} />
                        ))}
                      </Bar>
                    </BarChart>
                  </ResponsiveContainer>
                </div>
              </Card>
              {plan.data && (
                <Section id="plan" title={t('usage.planTitle', { plan: t(`plans.${plan.data.plan}`, { defaultValue: plan.data.plan }) })}>
                  <Group gap="xs">
                    {PLAN_FEATURES.map((feature) => (
                      <Badge key={feature} color={plan.data.features[feature] ? 'green' : 'gray'} variant={plan.data.features[feature] ? 'filled' : 'outline'}>
                        {t(`features.${feature}`)}: {plan.data.features[feature] ? t('common.included') : t('common.notIncluded')}
                      </Badge>
                    ))}
                  </Group>
                  <Text size="sm" c="dimmed" mt="sm">
                    {t('usage.plansSummary', { starter: format.number(2500), standard: format.number(15000), pro: format.number(50000) })}
                  </Text>
                </Section>
              )}
            </Stack>
          );
        }}
      </QueryState>
    </>
  );
}

/** The period's `end` is the first day of the next one; people read the last day it includes. */
function lastDayOf(period: { end: string }): string {
  const end = new Date(`${period.end}T00:00:00Z`);
  end.setUTCDate(end.getUTCDate() - 1);
  return end.toISOString().slice(0, 10);
}
