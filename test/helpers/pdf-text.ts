import { PDFParse } from 'pdf-parse';

/** The PDF's text with all white space (including non-breaking) folded to single spaces. */
export async function pdfText(data: Buffer | Uint8Array): Promise<string> {
  const parser = new PDFParse({ data: new Uint8Array(data) });
  try {
    const { text } = await parser.getText();
    return text.replace(/\s+/g, ' ');
  } finally {
    await parser.destroy();
  }
}
