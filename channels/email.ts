import { writePrivateFile } from '../platform/private-files.js';
import { inSpan } from '../platform/tracing.js';
import path from 'node:path';
import nodemailer, { type SendMailOptions } from 'nodemailer';

export interface OutgoingEmail {
  from: { name: string; address: string };
  replyTo: string | null;
  to: string;
  subject: string;
  text: string;
  /** The HTML alternative of `text` (the message is then multipart/alternative). */
  html?: string;
  /** Pictures the HTML shows by content id (`cid:`), such as the company's logo. */
  inlineImages?: { cid: string; contentType: string; content: Buffer }[];
  attachment: { filename: string; content: Buffer };
  /** Stable per delivery, so a retried send is recognisable as the same message. */
  messageId: string;
  /** Envelope sender (MAIL FROM) naming this delivery, so its bounce can be matched. */
  envelopeFrom?: string | null;
}

export interface EmailChannel {
  send(mail: OutgoingEmail): Promise<{ messageId: string; destination: string }>;
}

/** Line breaks never reach a header, whatever a company or customer name contains. */
function headerSafe(value: string): string {
  return value.replace(/[\r\n\t\u2028\u2029]+/g, ' ').trim();
}

function toMessage(mail: OutgoingEmail): SendMailOptions {
  return {
    from: { name: headerSafe(mail.from.name), address: mail.from.address },
    replyTo: mail.replyTo ?? undefined,
    to: mail.to,
    subject: headerSafe(mail.subject),
    text: mail.text,
    ...(mail.html ? { html: mail.html } : {}),
    messageId: mail.messageId,
    ...(mail.envelopeFrom ? { envelope: { from: mail.envelopeFrom, to: [mail.to] } } : {}),
    attachments: [
      { filename: headerSafe(mail.attachment.filename), content: mail.attachment.content, contentType: 'application/pdf' },
      ...(mail.inlineImages ?? []).map((i) => ({
        cid: i.cid, content: i.content, contentType: i.contentType, contentDisposition: 'inline' as const,
        filename: `logo.${i.contentType === 'image/jpeg' ? 'jpg' : 'png'}`,
      })),
    ],
    // Recipient addresses are taken literally, never parsed for extra recipients.
    disableUrlAccess: true,
    disableFileAccess: true,
  };
}

/** SMTP when a URL is configured, else RFC 5322 `.eml` files in the outbox folder. */
export function createEmailChannel(opts: { smtpUrl?: string | null; outboxDir: string }): EmailChannel {
  if (opts.smtpUrl) {
    // Pooled: a billing run reuses a few open connections instead of one handshake per e-mail.
    const transport = nodemailer.createTransport({ url: opts.smtpUrl, pool: true, maxConnections: 5, maxMessages: 500 } as never);
    const smtpHost = new URL(opts.smtpUrl).host;
    return {
      async send(mail) {
        // A span of its own: the SMTP conversation is where a slow or refusing server shows.
        const info = await inSpan('smtp send', { 'network.protocol.name': 'smtp', 'server.address': smtpHost }, () => transport.sendMail(toMessage(mail)));
        return { messageId: info.messageId, destination: 'smtp' };
      },
    };
  }
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  return {
    async send(mail) {
      const info = await transport.sendMail(toMessage(mail));
      const file = path.join(opts.outboxDir, `${mail.messageId.replace(/^<|>$/g, '').replace(/[^A-Za-z0-9._@-]/g, '_')}.eml`);
      await writePrivateFile(file, info.message as Buffer);
      return { messageId: info.messageId, destination: file };
    },
  };
}

/** SMTP 5xx answers are permanent: retrying cannot help. Connection errors and 4xx are transient. */
export function isPermanentSmtpError(err: unknown): boolean {
  const code = (err as { responseCode?: number }).responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}
