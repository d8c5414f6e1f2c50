/** @jsxImportSource hono/jsx */
import { Hono } from 'hono';
import type { Method } from '../../domain/methods.js';
import { q } from '../api-client.js';
import { field, type BoContext, type BoEnv } from '../context.js';
import { dateTime, money } from '../format.js';
import { CHOICE_NAMES, METHOD_NAMES } from '../i18n.js';
import { Csrf, errorFor, FieldErrors, Page } from '../layout.js';
import { Countdown, OpenedBadge, StatusBadge } from './invoices.js';

type Plan = {
  kind: 'invoice' | 'reminder';
  ok: boolean;
  method: Method | null;
  choice: 'customer' | 'default' | 'fallback' | null;
  recipient: string | null;
  rejected: { method: Method; choice: 'customer' | 'default' | 'fallback'; reason: string }[];
  explanation: string;
};

function PlanView({ c, plan }: { c: BoContext; plan: Plan }) {
  const m = c.get('m');
  const lang = c.get('lang');
  return (
    <div class="plan">
      <p>
        <strong>{plan.kind === 'reminder' ? m.deliveryReminder : m.deliveryInvoice}:</strong>{' '}
        {plan.ok ? (
          <>
            {METHOD_NAMES[lang][plan.method!]} ({CHOICE_NAMES[lang][plan.choice!]}) → {plan.recipient}
          </>
        ) : (
          <span class="error-text">{m.noMethod}</span>
        )}
      </p>
      {plan.rejected.length ? (
        <ul>
          {plan.rejected.map((r) => (
            <li>
              {m.passedOver} {METHOD_NAMES[lang][r.method]} ({CHOICE_NAMES[lang][r.choice]}): {r.reason}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

export function invoicePageRoutes() {
  const app = new Hono<BoEnv>();

  async function render(c: BoContext, o: { errors?: { path: string; message: string }[]; emailValue?: string; saved?: boolean } = {}) {
    const m = c.get('m');
    const lang = c.get('lang');
    const api = c.get('api');
    const id = c.req.param('id')!;
    const invoice = await api.get(`/v1/invoices/${q(id)}`);
    if (!invoice.ok) return null;
    const inv = invoice.data;
    const remindable = inv.status === 'sent' || inv.status === 'reminder';
    const [history, documents, plan, reminderPlan, person, organization] = await Promise.all([
      api.get(`/v1/invoices/${q(id)}/history`),
      api.get(`/v1/invoices/${q(id)}/documents`),
      api.get(`/v1/invoices/${q(id)}/delivery-plan?kind=invoice`),
      remindable ? api.get(`/v1/invoices/${q(id)}/delivery-plan?kind=reminder`) : Promise.resolve(null),
      api.get(`/v1/persons/${q(inv.personId)}`),
      inv.organizationId ? api.get(`/v1/organizations/${q(inv.organizationId)}`) : Promise.resolve(null),
    ]);
    const errors = o.errors ?? [];
    const emailError = errorFor(errors, 'email');
    const back = `/app/invoices/${id}`;
    return (
      <Page c={c} title={`${m.invoice} ${inv.number}`} active="invoices">
        <div class="grid">
          <section aria-labelledby="summary-h">
            <h2 id="summary-h" class="visually-hidden">{m.invoice}</h2>
            <dl class="facts">
              <dt>{m.status}</dt>
              <dd>
                <StatusBadge c={c} status={inv.status} />
                {inv.viewedAt ? <><OpenedBadge c={c} at={inv.viewedAt} /> {dateTime(inv.viewedAt, lang)}</> : null}{' '}
                {inv.status === 'pending_send' ? <Countdown c={c} until={inv.pendingUndoUntil} /> : null}
              </dd>
              <dt>{m.customer}</dt>
              <dd>
                {person.data?.name}
                {organization?.ok ? <> · {organization.data.name}</> : null}
              </dd>
              <dt>{m.issueDate}</dt>
              <dd>{inv.issueDate}</dd>
              <dt>{m.dueDate}</dt>
              <dd>{inv.dueDate}</dd>
              <dt>{m.ocr}</dt>
              <dd>{inv.ocr}</dd>
              <dt>{m.reminderCount}</dt>
              <dd>{inv.reminderCount}{inv.reminderDate ? ` (${inv.reminderDate})` : ''}</dd>
            </dl>
            <form method="post" action={`/app/invoices/${id}`} class="row-actions">
              <Csrf token={c.get('session').csrfToken} />
              <input type="hidden" name="back" value={back} />
              {inv.status === 'pending_send' && inv.pendingUndoUntil && new Date(inv.pendingUndoUntil).getTime() > Date.now() ? (
                <button type="submit" formaction={`/app/invoices/${id}/credit`} class="danger">{m.undo}</button>
              ) : null}
              {['unsent', 'sent', 'reminder'].includes(inv.status) ? (
                <button type="submit" formaction={`/app/invoices/${id}/mark-paid`}>{m.markPaid}</button>
              ) : null}
            </form>
          </section>
          <section aria-labelledby="delivery-h">
            <h2 id="delivery-h">{m.delivery}</h2>
            {plan.ok ? <PlanView c={c} plan={plan.data} /> : null}
            {reminderPlan?.ok ? <PlanView c={c} plan={reminderPlan.data} /> : null}
            <FieldErrors errors={errors} m={m} />
            {o.saved ? <p class="alert ok" role="status">{m.saved}</p> : null}
            <form method="post" action={`/app/invoices/${id}/email`} class="stack">
              <Csrf token={c.get('session').csrfToken} />
              <label for="email">{m.invoiceEmail}</label>
              <input id="email" name="email" type="text" inputmode="email" maxlength={320} value={o.emailValue ?? inv.email ?? ''}
                aria-describedby="email-hint" aria-invalid={emailError ? 'true' : undefined} />
              <p id="email-hint" class="hint">{emailError ?? m.invoiceEmailHint}</p>
              <button type="submit">{m.save}</button>
            </form>
          </section>
        </div>
        <section aria-labelledby="lines-h">
          <h2 id="lines-h">{m.lines}</h2>
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">{m.description}</th>
                  <th scope="col" class="num">{m.quantity}</th>
                  <th scope="col" class="num">{m.unitPrice}</th>
                  <th scope="col" class="num">{m.vat}</th>
                </tr>
              </thead>
              <tbody>
                {inv.lines.map((l: { description: string; quantity: number; unitAmount: number; vatRate: number }) => (
                  <tr>
                    <td>{l.description}</td>
                    <td class="num">{l.quantity}</td>
                    <td class="num">{money(l.unitAmount, inv.currency, lang)}</td>
                    <td class="num">{l.vatRate} %</td>
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr><th scope="row" colspan={3}>{m.net}</th><td class="num">{money(inv.netAmount, inv.currency, lang)}</td></tr>
                <tr><th scope="row" colspan={3}>{m.vat}</th><td class="num">{money(inv.vatAmount, inv.currency, lang)}</td></tr>
                <tr class="total"><th scope="row" colspan={3}>{m.total}</th><td class="num">{money(inv.totalAmount, inv.currency, lang)}</td></tr>
              </tfoot>
            </table>
          </div>
        </section>
        <section aria-labelledby="docs-h">
          <h2 id="docs-h">{m.documents}</h2>
          {documents.data.items.length ? (
            <ul>
              {documents.data.items.map((d: { id: string; kind: string; createdAt: string; contentType: string }) => (
                <li>
                  <a href={`/app/documents/${d.id}`} target="_blank" rel="noopener">
                    {d.kind} ({d.contentType === 'application/pdf' ? 'PDF' : 'UBL/XML'})
                  </a>{' '}
                  <span class="muted">{dateTime(d.createdAt, lang)}</span>
                </li>
              ))}
            </ul>
          ) : (
            <p class="muted">{m.noDocuments}</p>
          )}
        </section>
        <section aria-labelledby="history-h">
          <h2 id="history-h">{m.history}</h2>
          <div class="table-wrap">
            <table class="history">
              <thead>
                <tr>
                  <th scope="col">{m.when}</th>
                  <th scope="col">{m.event}</th>
                  <th scope="col">{m.message}</th>
                </tr>
              </thead>
              <tbody>
                {history.data.items.map((h: { at: string; type: string; message: string }) => (
                  <tr>
                    <td class="nowrap">{dateTime(h.at, lang)}</td>
                    <td><code>{h.type}</code></td>
                    <td>{h.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      </Page>
    );
  }

  app.get('/invoices/:id', async (c) => {
    const page = await render(c, { saved: c.req.query('saved') === '1' });
    if (!page) return c.notFound();
    return c.html(page);
  });

  /** The invoice e-mail; an empty field refills it by the recipient priority (the API's rule). */
  app.post('/invoices/:id/email', async (c) => {
    const id = c.req.param('id');
    const email = field(await c.req.parseBody(), 'email').trim();
    const res = await c.get('api').patch(`/v1/invoices/${q(id)}`, { email });
    if (res.ok) return c.redirect(`/app/invoices/${id}?saved=1`, 303);
    if (res.status === 404) return c.notFound();
    const errors = res.data.errors ?? [{ path: 'email', message: res.data.detail }];
    const page = await render(c, { errors, emailValue: email });
    if (!page) return c.notFound();
    return c.html(page, 422);
  });

  /** PDF and UBL documents open in the browser, straight from the API. */
  app.get('/documents/:id', async (c) => {
    const res = await c.get('api').raw('GET', `/v1/documents/${q(c.req.param('id'))}`);
    if (!res.ok) return c.notFound();
    return new Response(res.body, { status: 200, headers: { 'content-type': res.headers.get('content-type') ?? 'application/octet-stream', 'content-disposition': 'inline' } });
  });

  return app;
}
