// GET /i/{token} and /i/{token}/pdf (API.md "From delivered to paid"): the invoice a customer
// opens from the e-mail, without a login. The token is all there is: nothing on the page names
// an id that opens anything else, and an unknown or expired token is the same 404 page.
import { randomBytes } from 'node:crypto';
import { Hono, type Context } from 'hono';
import type { Sql } from '../../db/client.js';
import type { AuthThrottle } from '../auth-throttle.js';
import { problemResponse, ProblemError } from '../problem.js';
import { openInvoiceLink, recordView, type InvoiceLink } from '../../services/invoice-links.js';
import { loadSendContext } from '../../activities/load-send-context.js';
import { documentFromContext } from '../../activities/render-document.js';
import { STANDARD_TEMPLATE, paymentQrFacts } from '../../documents/invoice-pdf.js';
import { paymentQrSvg } from '../../documents/payment-qr.js';
import { invoicePageHtml, linkProblemHtml } from '../../documents/invoice-page.js';

/** Search engines and caches keep nothing; the page's address never leaves it in a Referer. */
function pageHeaders(c: Context, nonce: string | null) {
  c.header('x-robots-tag', 'noindex, nofollow');
  c.header('referrer-policy', 'no-referrer');
  c.header('cache-control', 'no-store');
  c.header(
    'content-security-policy',
    `default-src 'none'; img-src data:; style-src ${nonce ? `'nonce-${nonce}'` : "'none'"}; form-action 'none'; frame-ancestors 'none'; base-uri 'none'`,
  );
}

/** Browsers get a page; anything else the problem+json every error of the service is. */
function refuse(c: Context, status: 404 | 429, retryAfter?: number) {
  const nonce = randomBytes(16).toString('base64');
  pageHeaders(c, nonce);
  if (retryAfter) c.header('retry-after', String(retryAfter));
  if ((c.req.header('accept') ?? '').includes('text/html')) return c.html(linkProblemHtml({ status, nonce }), status);
  const problem = status === 404
    ? new ProblemError(404, 'not_found', 'Not found', 'The link is unknown or has expired.')
    : new ProblemError(429, 'too_many_requests', 'Too many requests', `Too many unknown links from this address; try again in ${retryAfter} s.`);
  const res = problemResponse(c, problem);
  for (const [k, v] of c.res.headers) if (!res.headers.has(k)) res.headers.set(k, v);
  return res;
}

export function invoicePageRoutes(deps: { sql: Sql; throttle: AuthThrottle }) {
  const { sql, throttle } = deps;
  const app = new Hono();

  /** The link of the request's token, or the answer to give instead (404, or 429 after too many misses). */
  async function linkOf(c: Context): Promise<InvoiceLink | Response> {
    const link = await openInvoiceLink(sql, c.req.param('token') ?? '');
    if (link) return link;
    const blocked = throttle.wrongLink(c);
    return blocked === null ? refuse(c, 404) : refuse(c, 429, blocked);
  }

  app.get('/i/:token', async (c) => {
    const link = await linkOf(c);
    if (link instanceof Response) return link;
    const ctx = await loadSendContext(sql, link.tenantId, link.invoiceId);
    if (!ctx) return refuse(c, 404);
    const doc = documentFromContext(ctx, { ...STANDARD_TEMPLATE, language: link.language }, link.kind);
    const qr = paymentQrFacts(doc);
    // A HEAD (link checkers, mail scanners) shows nothing to anyone: not a view.
    if (c.req.method !== 'HEAD') await recordView(sql, link, 'page');
    const nonce = randomBytes(16).toString('base64');
    pageHeaders(c, nonce);
    return c.html(invoicePageHtml({
      doc,
      status: ctx.invoice.status,
      qrSvg: qr ? await paymentQrSvg(qr) : null,
      swishNumber: ctx.company.swish_number ?? null,
      pdfUrl: `${c.req.param('token')}/pdf`,
      nonce,
    }));
  });

  app.get('/i/:token/pdf', async (c) => {
    const link = await linkOf(c);
    if (link instanceof Response) return link;
    const [doc] = link.documentId
      ? await sql`SELECT d.content, i.number FROM documents d JOIN invoices i ON i.id = d.invoice_id AND i.tenant_id = d.tenant_id
                  WHERE d.id = ${link.documentId} AND d.tenant_id = ${link.tenantId} AND d.invoice_id = ${link.invoiceId}`
      : [];
    if (!doc) return refuse(c, 404);
    if (c.req.method !== 'HEAD') await recordView(sql, link, 'pdf');
    pageHeaders(c, null);
    const name = `${link.kind === 'reminder' ? 'paminnelse' : 'faktura'}-${String(doc.number).replace(/[^A-Za-z0-9_-]/g, '_')}.pdf`;
    return new Response(new Uint8Array(doc.content), {
      status: 200,
      headers: { ...Object.fromEntries(c.res.headers), 'content-type': 'application/pdf', 'content-disposition': `attachment; filename="${name}"` },
    });
  });
  return app;
}
