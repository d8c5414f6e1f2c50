// Delivery status notifications (RFC 3464) as remote mail servers send them back: which delivery
// bounced, how (5.x.x permanent, 4.x.x temporary) and what the remote server said.
import { simpleParser } from 'mailparser';
import { workflowIdFromVerp } from '../domain/verp.js';

export interface DeliveryStatus {
  workflowId: string;
  /** RFC 3463 status, e.g. 5.1.1. */
  status: string;
  permanent: boolean;
  recipient: string | null;
  /** The remote server's words (Diagnostic-Code), else the status. */
  reason: string;
}

/** `Name: value` fields of one block, continuation lines folded in. */
function fields(block: string): Map<string, string> {
  const out = new Map<string, string>();
  let last: string | null = null;
  for (const line of block.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && last) out.set(last, `${out.get(last)} ${line.trim()}`);
    else {
      const m = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
      if (m) out.set((last = m[1].toLowerCase()), m[2].trim());
    }
  }
  return out;
}

/**
 * The machine-readable part of a multipart/report. mailparser folds a message/delivery-status
 * part into the text, so it is cut out of the report by its boundary here.
 */
function deliveryStatusPart(contentType: unknown, raw: string): string | null {
  const ct = contentType as { value?: string; params?: Record<string, string> } | undefined;
  if (ct?.value?.toLowerCase() !== 'multipart/report' || !ct.params?.boundary) return null;
  for (const part of raw.split(`--${ct.params.boundary}`)) {
    const split = part.search(/\r?\n\r?\n/);
    if (split < 0) continue;
    if (/^content-type:\s*message\/(global-)?delivery-status/im.test(part.slice(0, split))) return part.slice(split).trim();
  }
  return null;
}

/**
 * Reads a DSN. The delivery is named by the VERP address it came back to (`envelopeTo`, from the
 * SMTP listener), else by the DSN's To header, else by the returned message's Message-ID
 * (`<workflow id@…>`). Null when it is not a DSN this service can match: the caller logs and drops it.
 */
export async function parseDeliveryStatus(raw: Buffer | string, envelopeTo: string[] = []): Promise<DeliveryStatus | null> {
  let mail;
  try {
    mail = await simpleParser(raw, { skipHtmlToText: true, skipTextLinks: true });
  } catch {
    return null;
  }
  const part = (type: string) => mail.attachments.find((a) => a.contentType.toLowerCase() === type);
  const report = deliveryStatusPart(mail.headers.get('content-type'), Buffer.isBuffer(raw) ? raw.toString('latin1') : raw);
  if (!report) return null;
  const blocks = report.split(/\r?\n\r?\n/).map(fields);
  const perRecipient = blocks.find((b) => b.has('status'));
  const status = perRecipient?.get('status')?.match(/^([245])\.\d{1,3}\.\d{1,3}/)?.[0];
  if (!perRecipient || !status || status.startsWith('2')) return null;

  const toHeader = mail.to && !Array.isArray(mail.to) ? mail.to.value.map((v) => v.address ?? '') : [];
  const returned = part('message/rfc822') ?? part('text/rfc822-headers');
  const returnedId = returned ? /^message-id:\s*<((?:send|remind)-[A-Za-z0-9_-]+)@/im.exec(returned.content.toString('utf8'))?.[1] : undefined;
  const workflowId = [...envelopeTo, ...toHeader].map(workflowIdFromVerp).find(Boolean) ?? returnedId ?? null;
  if (!workflowId) return null;

  const diagnostic = perRecipient.get('diagnostic-code')?.replace(/^smtp;\s*/i, '');
  const recipient = (perRecipient.get('final-recipient') ?? perRecipient.get('original-recipient'))?.replace(/^rfc822;\s*/i, '') ?? null;
  return { workflowId, status, permanent: status.startsWith('5'), recipient, reason: diagnostic || `status ${status}` };
}
