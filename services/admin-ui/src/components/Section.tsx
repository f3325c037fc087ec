import { Card, Title } from '@mantine/core';
import type { ReactNode } from 'react';

/** A titled card of a page, announced to assistive technology as a section named by its title. */
export function Section({ id, title, children }: { id: string; title: ReactNode; children: ReactNode }) {
  return (
    <Card withBorder component="section" aria-labelledby={id}>
      <Title order={2} size="h4" id={id} mb="sm">
        {title}
      </Title>
      {children}
    </Card>
  );
}
