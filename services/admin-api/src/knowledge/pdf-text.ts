import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { PDFDocumentProxy } from 'pdfjs-dist/legacy/build/pdf.mjs';

/** pdf.js's Node build (the "legacy" one runs on Node without browser APIs). */
const pdfjs = import('pdfjs-dist/legacy/build/pdf.mjs');

/** The standard fonts pdf.js needs to read PDFs that do not embed them, as a file URL with a trailing slash. */
const standardFontDataUrl = `${pathToFileURL(join(dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json')), 'standard_fonts')).href}/`;

/** The most pages read from one PDF; a knowledge document longer than this is better split. */
const MAX_PAGES = 2_000;

/** A PDF pdf.js cannot read: encrypted, damaged, or not a PDF at all. */
export class UnreadablePdfError extends Error {
  override readonly name = 'UnreadablePdfError';
}

/**
 * The text of a PDF, page by page (pages separated by a blank line; lines kept where the PDF
 * ends them), and its title from the document information when it has one. Scripts in the PDF
 * are never evaluated.
 */
export async function pdfText(data: Uint8Array): Promise<{ text: string; title: string | null }> {
  const { getDocument, VerbosityLevel } = await pdfjs;
  const task = getDocument({
    // pdf.js takes ownership of the buffer it is given; hand it a copy.
    data: new Uint8Array(data),
    isEvalSupported: false,
    useSystemFonts: false,
    standardFontDataUrl,
    verbosity: VerbosityLevel.ERRORS,
  });
  let document;
  try {
    document = await task.promise;
  } catch (error) {
    await task.destroy();
    const reason =
      (error as Error).name === 'PasswordException'
        ? 'it is password-protected'
        : 'it is damaged or not a PDF';
    throw new UnreadablePdfError(`The PDF cannot be read: ${reason}`);
  }
  try {
    if (document.numPages > MAX_PAGES)
      throw new UnreadablePdfError(
        `The PDF has ${document.numPages} pages; split it into documents of at most ${MAX_PAGES}`,
      );
    const pages: string[] = [];
    for (let number = 1; number <= document.numPages; number++) {
      // A PDF can open and still have a page (its dictionary or content stream) pdf.js cannot read.
      try {
        pages.push(await pageText(document, number));
      } catch {
        throw new UnreadablePdfError(`The PDF cannot be read: page ${number} is damaged`);
      }
    }
    const info = (await document.getMetadata().catch(() => null))?.info as { Title?: unknown } | undefined;
    const title = typeof info?.Title === 'string' && info.Title.trim() ? info.Title.trim() : null;
    return { text: pages.filter(Boolean).join('\n\n'), title };
  } finally {
    await document.destroy();
  }
}

/** The text of one page, lines kept where the PDF ends them. */
async function pageText(document: PDFDocumentProxy, number: number): Promise<string> {
  const page = await document.getPage(number);
  try {
    const content = await page.getTextContent();
    let text = '';
    for (const item of content.items) {
      if (!('str' in item)) continue;
      text += item.str + (item.hasEOL ? '\n' : '');
    }
    return text.replace(/[ \t]+\n/g, '\n').trim();
  } finally {
    page.cleanup();
  }
}
