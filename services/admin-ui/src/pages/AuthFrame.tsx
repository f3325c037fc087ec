import { Container, Group, Paper, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { LanguagePicker } from '../components/LanguagePicker';

/** The frame of the signed-out pages: the product name, the language picker, one card. */
export function AuthFrame({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Container size={420} py={60}>
      <Group justify="space-between" mb="lg">
        <Title order={2} size="h3">
          Steward
        </Title>
        <LanguagePicker />
      </Group>
      <Paper withBorder shadow="sm" p="xl" component="main">
        <Title order={1} size="h3" mb="md">
          {title}
        </Title>
        {children}
      </Paper>
    </Container>
  );
}
