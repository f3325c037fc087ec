/**
 * Support articles on topics the benchmark questions do not ask about, to give a benchmark's
 * knowledge base the size of a real one: titles and section headings to search and to borrow
 * wording from, passages that compete in the search.
 */

const TOPICS = [
  'Two-factor authentication',
  'Deleting your account',
  'Changing your e-mail address',
  'Shipping times',
  'Order tracking',
  'Payment methods',
  'Subscription plans',
  'Gift cards',
  'Privacy settings',
  'Notifications',
  'Mobile app',
  'Connecting Discord',
  'Team members',
  'Invoices',
  'Data export',
  'Accessibility',
  'Language settings',
  'Profile pictures',
  'Server roles',
  'Developer API',
];

export interface FillerDocument {
  title: string;
  /** The section headings, in order. */
  sections: string[];
  /** Markdown: a `##` heading and two sentences per section. */
  content: string;
}

/** `count` documents, each with four sections of its own (five distinct headings per document). */
export function fillerDocuments(count: number): FillerDocument[] {
  return Array.from({ length: count }, (_, index) => {
    const round = Math.floor(index / TOPICS.length);
    const topic = TOPICS[index % TOPICS.length]!;
    const title = round === 0 ? topic : `${topic} (part ${round + 1})`;
    const subject = title.toLowerCase();
    const sections = [
      `Setting up ${subject}`,
      `Troubleshooting ${subject}`,
      `Limits of ${subject}`,
      `Questions about ${subject}`,
    ];
    const content = sections
      .map(
        (section) =>
          `## ${section}\n${section} is described here for every plan. ` +
          `Ask an administrator of your server when ${subject} behaves differently than this page says.`,
      )
      .join('\n\n');
    return { title, sections, content };
  });
}
