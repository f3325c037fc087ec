import { tinyPdf } from '../../test/pdf-fixture.js';
import { ApiError } from '../http/api-error.js';
import { documentFormat, documentText } from './document-text.js';

describe('documentFormat', () => {
  it('goes by the file name first, then by the media type', () => {
    expect(documentFormat({ filename: 'Guide.MD', mediaType: 'application/octet-stream' })).toBe('markdown');
    expect(documentFormat({ filename: 'notes.txt' })).toBe('text');
    expect(documentFormat({ filename: 'page.htm' })).toBe('html');
    expect(documentFormat({ filename: 'manual.pdf' })).toBe('pdf');
    expect(documentFormat({ mediaType: 'text/html; charset=utf-8' })).toBe('html');
    expect(documentFormat({ filename: 'sheet.xlsx', mediaType: 'application/vnd.ms-excel' })).toBeUndefined();
  });
});

describe('documentText', () => {
  const problem = async (bytes: Uint8Array, format: Parameters<typeof documentText>[1]) => {
    try {
      await documentText(bytes, format);
    } catch (error) {
      expect(error).toBeInstanceOf(ApiError);
      return { code: (error as ApiError).code, message: (error as ApiError).message };
    }
    throw new Error('expected a refusal');
  };

  it('reads the text of every page of a PDF, and its title', async () => {
    const pdf = tinyPdf(
      [['Refunds (and returns)', 'Send it back within 30 days.'], ['Page two']],
      'Returns policy',
    );
    expect(await documentText(pdf, 'pdf')).toEqual({
      text: 'Refunds (and returns)\nSend it back within 30 days.\n\nPage two',
      title: 'Returns policy',
    });
  });

  it('keeps Markdown and plain text as they are, without a byte-order mark', async () => {
    expect(await documentText(Buffer.from('\uFEFF# Title\nBody\n'), 'markdown')).toEqual({
      text: '# Title\nBody',
      title: null,
    });
  });

  it('explains files it cannot read', async () => {
    expect(await problem(Buffer.from('not a pdf'), 'pdf')).toMatchObject({
      code: 'unreadable_document',
      message: expect.stringMatching(/not a PDF/),
    });
    expect(await problem(Buffer.from('%PDF-1.4 garbage'), 'pdf')).toMatchObject({
      code: 'unreadable_document',
      message: expect.stringMatching(/damaged/),
    });
    expect(await problem(Buffer.from([0xff, 0xfe, 0x00, 0x41]), 'text')).toMatchObject({
      code: 'unreadable_document',
      message: 'The file is not UTF-8 text',
    });
    expect(await problem(Buffer.from('  \n'), 'markdown')).toMatchObject({ code: 'empty_document' });
    expect(await problem(tinyPdf([[]]), 'pdf')).toMatchObject({
      code: 'empty_document',
      message: expect.stringMatching(/scanned/),
    });
  });
});
