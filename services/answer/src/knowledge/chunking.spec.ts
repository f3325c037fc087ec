import { chunkMarkdown } from './chunking.js';

describe('chunkMarkdown', () => {
  it('keeps the heading path with each chunk and never crosses a heading', () => {
    const chunks = chunkMarkdown(
      [
        'Intro before any heading.',
        '# Account',
        'About accounts.',
        '## Passwords',
        'To reset your password, open Settings.',
        '',
        'We email you a link.',
        '# Billing',
        'Invoices are monthly.',
      ].join('\n'),
    );
    expect(chunks).toEqual([
      { heading: '', content: 'Intro before any heading.' },
      { heading: 'Account', content: 'About accounts.' },
      {
        heading: 'Account > Passwords',
        content: 'To reset your password, open Settings.\n\nWe email you a link.',
      },
      { heading: 'Billing', content: 'Invoices are monthly.' },
    ]);
  });

  it('packs paragraphs into chunks of 600 to 1,000 characters and cuts long ones at sentence ends', () => {
    const sentence = 'This sentence is about forty-five chars long. ';
    const paragraph = sentence.repeat(10).trim();
    const chunks = chunkMarkdown(
      `# Long\n${[paragraph, paragraph, paragraph, sentence.repeat(60)].join('\n\n')}`,
    );
    expect(chunks.length).toBeGreaterThan(2);
    for (const chunk of chunks) {
      expect(chunk.heading).toBe('Long');
      expect(chunk.content.length).toBeLessThanOrEqual(1_500);
      expect(chunk.content).toMatch(/\.$/);
    }
    expect(chunks.slice(0, -1).every((chunk) => chunk.content.length >= 600)).toBe(true);
  });

  it('does not read a # inside a code block as a heading', () => {
    const chunks = chunkMarkdown('# Setup\n```sh\n# install\nnpm i\n```\nDone.');
    expect(chunks).toEqual([{ heading: 'Setup', content: '```sh\n# install\nnpm i\n```\n\nDone.' }]);
  });
});
