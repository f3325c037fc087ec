import { ActionIcon, Badge, Button, Card, FileInput, Group, Progress, Stack, Table, Text, TextInput, Title, VisuallyHidden } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { get, post, remove, uploadFile } from '../api/client';
import type { KnowledgeDocument, Passage, UnansweredQuestion } from '../api/types';
import { useFormat } from '../format';
import { PageHeader } from '../components/PageHeader';
import { Section } from '../components/Section';
import { EmptyState, QueryState, RequestError } from '../components/QueryState';

const ACCEPTED = '.md,.txt,.html,.htm,.pdf';
const STATUS_COLORS = { pending: 'gray', indexing: 'blue', indexed: 'green.9', failed: 'red.8' } as const;

interface Upload {
  name: string;
  fraction: number;
  error?: unknown;
}

export default function KnowledgePage() {
  const { t } = useTranslation();
  return (
    <>
      <PageHeader title={t('knowledge.title')} description={t('knowledge.description')} />
      <Stack>
        <AddKnowledge />
        <DocumentList />
        <SearchPreview />
        <UnansweredQuestions />
      </Stack>
    </>
  );
}

function AddKnowledge() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [url, setUrl] = useState('');
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['documents'] });

  const uploadAll = (files: File[]) => {
    setUploads(files.map((file) => ({ name: file.name, fraction: 0 })));
    files.forEach((file, index) => {
      const set = (change: Partial<Upload>) => setUploads((all) => all.map((upload, i) => (i === index ? { ...upload, ...change } : upload)));
      uploadFile('/knowledge/documents/upload', file, (fraction) => set({ fraction }))
        .then(() => set({ fraction: 1 }))
        .catch((error: unknown) => set({ error }))
        .finally(refresh);
    });
  };
  const importUrl = useMutation({
    mutationFn: () => post('/knowledge/documents/import', { url }),
    onSuccess: () => {
      setUrl('');
      void refresh();
    },
  });
  const submitUrl = (event: FormEvent) => {
    event.preventDefault();
    if (url.trim()) importUrl.mutate();
  };

  return (
    <Section id="add-knowledge" title={t('knowledge.add')}>
      <Stack>
        <FileInput
          multiple
          accept={ACCEPTED}
          label={t('knowledge.upload')}
          description={t('knowledge.uploadHelp')}
          placeholder={t('knowledge.chooseFiles')}
          value={[]}
          onChange={(files) => files.length > 0 && uploadAll(files)}
        />
        {uploads.map((upload) => (
          <div key={upload.name}>
            <Group justify="space-between">
              <Text size="sm">{upload.name}</Text>
              <Text size="xs" c="dimmed">
                {upload.error ? t('knowledge.uploadFailed') : upload.fraction >= 1 ? t('knowledge.uploaded') : t('knowledge.uploading')}
              </Text>
            </Group>
            <Progress value={upload.fraction * 100} color={upload.error ? 'red' : 'indigo'} aria-label={t('knowledge.uploadProgress', { name: upload.name })} />
            {upload.error !== undefined && <RequestError error={upload.error} />}
          </div>
        ))}
        <form onSubmit={submitUrl}>
          <Group align="flex-end">
            <TextInput style={{ flex: 1 }} type="url" label={t('knowledge.importUrl')} description={t('knowledge.importUrlHelp')} placeholder="https://" value={url} onChange={(e) => setUrl(e.currentTarget.value)} />
            <Button type="submit" loading={importUrl.isPending}>
              {t('knowledge.import')}
            </Button>
          </Group>
        </form>
        {importUrl.isError && <RequestError error={importUrl.error} />}
      </Stack>
    </Section>
  );
}

function DocumentList() {
  const { t } = useTranslation();
  const format = useFormat();
  const queryClient = useQueryClient();
  const documents = useQuery({
    queryKey: ['documents'],
    queryFn: () => get<{ documents: KnowledgeDocument[] }>('/knowledge/documents'),
    // Follow indexing while any document is still on its way.
    refetchInterval: (query) =>
      query.state.data?.documents.some((document) => document.status === 'pending' || document.status === 'indexing') ? 1_000 : false,
  });
  const deleteDocument = useMutation({
    mutationFn: (id: string) => remove(`/knowledge/documents/${id}`),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['documents'] }),
  });

  return (
    <Section id="documents" title={t('knowledge.documents')}>
      <QueryState query={documents}>
        {({ documents: list }) =>
          list.length === 0 ? (
            <EmptyState>{t('knowledge.empty')}</EmptyState>
          ) : (
            <Table aria-label={t('knowledge.documents')}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('knowledge.documentTitle')}</Table.Th>
                  <Table.Th>{t('knowledge.status')}</Table.Th>
                  <Table.Th>{t('knowledge.passages')}</Table.Th>
                  <Table.Th>{t('knowledge.updated')}</Table.Th>
                  <Table.Th>
                    <VisuallyHidden>{t('common.actions')}</VisuallyHidden>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.map((document) => (
                  <Table.Tr key={document.id} data-status={document.status}>
                    <Table.Td>{document.title}</Table.Td>
                    <Table.Td miw={160}>
                      <Badge color={STATUS_COLORS[document.status]}>{t(`documentStatus.${document.status}`)}</Badge>
                      {document.status === 'indexing' && <Progress mt={4} size="sm" value={document.progress * 100} aria-label={t('knowledge.indexingProgress', { title: document.title })} />}
                      {document.error && (
                        <Text size="xs" c="red">
                          {document.error}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>{format.number(document.chunkCount)}</Table.Td>
                    <Table.Td>{format.dateTime(document.updatedAt)}</Table.Td>
                    <Table.Td>
                      <ActionIcon variant="subtle" color="red" aria-label={t('knowledge.delete', { title: document.title })} onClick={() => deleteDocument.mutate(document.id)}>
                        ×
                      </ActionIcon>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )
        }
      </QueryState>
    </Section>
  );
}

function SearchPreview() {
  const { t } = useTranslation();
  const [query, setQuery] = useState('');
  const [submitted, setSubmitted] = useState('');
  const results = useQuery({
    queryKey: ['knowledge-search', submitted],
    queryFn: () => get<{ passages: Passage[] }>(`/knowledge/search?q=${encodeURIComponent(submitted)}`),
    enabled: submitted.length > 0,
  });
  return (
    <Card withBorder component="section" aria-labelledby="search-preview">
      <Title order={2} size="h4" id="search-preview">
        {t('knowledge.search')}
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        {t('knowledge.searchHelp')}
      </Text>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          setSubmitted(query.trim());
        }}
      >
        <Group align="flex-end">
          <TextInput style={{ flex: 1 }} label={t('knowledge.question')} value={query} onChange={(e) => setQuery(e.currentTarget.value)} />
          <Button type="submit" variant="light">
            {t('knowledge.searchButton')}
          </Button>
        </Group>
      </form>
      {submitted && (
        <Stack mt="md">
          <QueryState query={results}>
            {({ passages }) =>
              passages.length === 0 ? (
                <EmptyState>{t('knowledge.noPassages')}</EmptyState>
              ) : (
                passages.map((passage, index) => (
                  <Card key={`${passage.documentId}-${index}`} withBorder padding="sm">
                    <Text fw={600} size="sm">
                      {passage.title}
                    </Text>
                    <Text size="sm" lineClamp={4}>
                      {passage.content}
                    </Text>
                  </Card>
                ))
              )
            }
          </QueryState>
        </Stack>
      )}
    </Card>
  );
}

function UnansweredQuestions() {
  const { t } = useTranslation();
  const format = useFormat();
  const questions = useQuery({ queryKey: ['unanswered'], queryFn: () => get<{ questions: UnansweredQuestion[] }>('/knowledge/unanswered') });
  return (
    <Card withBorder component="section" aria-labelledby="unanswered">
      <Title order={2} size="h4" id="unanswered">
        {t('knowledge.unanswered')}
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        {t('knowledge.unansweredHelp')}
      </Text>
      <QueryState query={questions}>
        {({ questions: list }) =>
          list.length === 0 ? (
            <EmptyState>{t('knowledge.noUnanswered')}</EmptyState>
          ) : (
            <Table>
              <Table.Tbody>
                {list.map((question) => (
                  <Table.Tr key={question.id}>
                    <Table.Td>{question.question}</Table.Td>
                    <Table.Td w={200}>{format.dateTime(question.askedAt)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )
        }
      </QueryState>
    </Card>
  );
}
