import { convert, type FormatCallback } from 'html-to-text';

/** Headings become Markdown headings, so the answer service splits the page into sections by them. */
const markdownHeading: FormatCallback = (element, walk, builder, formatOptions) => {
  const level = Number((formatOptions as { level?: number }).level ?? 1);
  builder.openBlock({ leadingLineBreaks: 2 });
  builder.addLiteral(`${'#'.repeat(level)} `);
  walk(element.children, builder);
  builder.closeBlock({ trailingLineBreaks: 2 });
};

const headingSelectors = [1, 2, 3, 4, 5, 6].map((level) => ({
  selector: `h${level}`,
  format: 'markdownHeading',
  options: { level },
}));

/**
 * The readable text of an HTML page (html-to-text): headings as Markdown headings, links as
 * their text, no images, scripts, styles, navigation or forms; and the page's `<title>`.
 */
export function htmlText(html: string): { text: string; title: string | null } {
  const text = convert(html, {
    wordwrap: false,
    formatters: { markdownHeading },
    selectors: [
      ...headingSelectors,
      { selector: 'a', options: { ignoreHref: true } },
      { selector: 'img', format: 'skip' },
      { selector: 'nav', format: 'skip' },
      { selector: 'form', format: 'skip' },
      { selector: 'svg', format: 'skip' },
      { selector: 'head', format: 'skip' },
      { selector: 'table', format: 'dataTable' },
    ],
  });
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(html)?.[1];
  return {
    text: text.trim(),
    title: title ? decodeEntities(title).replace(/\s+/g, ' ').trim() || null : null,
  };
}

/** The title text with its character references resolved (html-to-text does the work). */
function decodeEntities(value: string): string {
  return convert(value, { wordwrap: false });
}
