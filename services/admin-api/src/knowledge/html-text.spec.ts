import { htmlText } from './html-text.js';

describe('htmlText', () => {
  it('keeps the readable text with Markdown headings and drops what is not content', () => {
    const page = `<!doctype html><html><head><title>Refunds &amp; returns</title><style>p{color:red}</style>
      <script>alert('x')</script></head><body><nav><a href="/">Home</a></nav>
      <h1>Refunds</h1><p>Send the item back within <b>30 days</b>. See <a href="https://x.test/terms">our terms</a>.</p>
      <img src="a.png" alt="diagram"><h2>Exchanges</h2><ul><li>Size</li><li>Colour</li></ul></body></html>`;
    const { text, title } = htmlText(page);
    expect(title).toBe('Refunds & returns');
    expect(text).toBe(
      '# Refunds\n\nSend the item back within 30 days. See our terms.\n\n## Exchanges\n\n * Size\n * Colour',
    );
  });

  it('has no title when the page has none', () => {
    expect(htmlText('<p>Just text</p>')).toEqual({ text: 'Just text', title: null });
  });
});
