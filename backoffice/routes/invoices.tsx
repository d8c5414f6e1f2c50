/** @jsxImportSource hono/jsx */
import { Hono } from 'hono';
import type { Sql } from '../../db/client.js';
import { INVOICE_STATUSES, type InvoiceStatus, type Method } from '../../domain/methods.js';
import { q } from '../api-client.js';
import { field, fields, likePattern, localPath, type BoContext, type BoEnv } from '../context.js';
import { dateTime, money } from '../format.js';
import { METHOD_NAMES, STATUS_NAMES } from '../i18n.js';
import { Csrf, FieldErrors, NoCompany, Page } from '../layout.js';

const LIST_LIMIT = 200;


/** The list shows names beside numbers, which the API's invoice list does not carry: a read, scoped to the tenant. */
async function listInvoices(sql: Sql, tenantId: string, companyId: string, o: { status: InvoiceStatus | null; search: string }) {
  return sql`
    SELECT i.id, i.number, i.status, i.due_date, i.total_amount, i.currency, i.pending_undo_until, i.pending_kind, i.viewed_at,
           p.name AS person_name, o.name AS organization_name
    FROM invoices i
    JOIN persons p ON p.id = i.person_id AND p.tenant_id = i.tenant_id
    LEFT JOIN organizations o ON o.id = i.organization_id AND o.tenant_id = i.tenant_id
    WHERE i.tenant_id = ${tenantId} AND i.company_id = ${companyId}
      ${o.status ? sql`AND i.status = ${o.status}` : sql``}
      ${o.search ? sql`AND (i.number ILIKE ${likePattern(o.search)} OR p.name ILIKE ${likePattern(o.search)} OR o.name ILIKE ${likePattern(o.search)})` : sql``}
    ORDER BY i.number DESC, i.id
    LIMIT ${LIST_LIMIT + 1}`;
}

/** A pending send's undo countdown: the page script ticks it; without script the deadline is shown. */
export function Countdown({ c, until }: { c: BoContext; until: string | Date | null }) {
  const m = c.get('m');
  if (!until) return null;
  const iso = new Date(until).toISOString();
  const left = Math.max(0, Math.round((new Date(until).getTime() - Date.now()) / 1000));
  const text = left > 0 ? `${m.undoUntil} ${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}` : m.delivering;
  return (
    <span class="countdown" data-deadline={iso} data-label={m.undoUntil} data-done={m.delivering} title={dateTime(iso, c.get('lang'))}>
      {text}
    </span>
  );
}

/** The customer opened the invoice's page or PDF from an e-mail (API: viewedAt). */
export function OpenedBadge({ c, at }: { c: BoContext; at: string | Date | null }) {
  if (!at) return null;
  const m = c.get('m');
  return (
    <>
      {' '}
      <span class="status status-opened" title={`${m.openedTitle} (${new Date(at).toISOString()})`}>{m.opened}</span>
    </>
  );
}

export function StatusBadge({ c, status }: { c: BoContext; status: InvoiceStatus }) {
  return <span class={`status status-${status}`}>{STATUS_NAMES[c.get('lang')][status]}</span>;
}

/** The numbers of the invoices a page names, beside their ids (the API's answers carry ids only). */
export async function invoiceNumbers(sql: Sql, c: BoContext, ids: string[]): Promise<Map<string, string>> {
  const rows = await sql`SELECT id, number FROM invoices WHERE tenant_id = ${c.get('session').tenantId} AND id = ANY(${ids}::text[])`;
  return new Map(rows.map((r) => [r.id as string, r.number as string]));
}

type PreviewData = {
  summary: { total: number; accepted: number; refused: number; byMethod: Partial<Record<Method, number>>; letters: number; estimatedPostage: number | null; warnings: number };
  items: ({ invoiceId: string; accepted: true; method: Method; recipient: string; warnings: { code: string; message: string }[] } | { invoiceId: string; accepted: false; error: { code: string; message: string } })[];
};

/** What a send would do, before it is done: counts per method, postage, and every refusal and warning with its invoice. */
function PreviewPage(p: { c: BoContext; preview: PreviewData; numbers: Map<string, string>; kind: 'send' | 'remind'; templateId: string | null; method?: string; back: string }) {
  const { c, preview } = p;
  const m = c.get('m');
  const lang = c.get('lang');
  const accepted = preview.items.filter((i) => i.accepted);
  const refused = preview.items.filter((i) => !i.accepted);
  const warned = accepted.filter((i) => i.accepted && i.warnings.length > 0);
  const link = (id: string) => <a href={`/app/invoices/${id}`}>{p.numbers.get(id) ?? id}</a>;
  return (
    <Page c={c} title={p.kind === 'remind' ? m.previewReminders : m.previewSend} active={p.kind === 'remind' ? 'reminders' : 'invoices'}>
      <dl class="counts" data-preview-summary>
        <div class="count"><dt>{m.willGo}</dt><dd data-count="accepted">{preview.summary.accepted}</dd></div>
        <div class="count"><dt>{m.refusedCount}</dt><dd data-count="refused">{preview.summary.refused}</dd></div>
        {(Object.entries(preview.summary.byMethod) as [Method, number][]).map(([method, n]) => (
          <div class="count"><dt>{METHOD_NAMES[lang][method]}</dt><dd data-count={method}>{n}</dd></div>
        ))}
        <div class="count"><dt>{m.letters}</dt><dd data-count="letters">{preview.summary.letters}</dd></div>
      </dl>
      <p data-postage>
        {m.postage}: {preview.summary.estimatedPostage === null ? (preview.summary.letters ? m.postageUnknown : money(0, 'SEK', lang)) : money(preview.summary.estimatedPostage, 'SEK', lang)}
      </p>
      {refused.length ? (
        <section>
          <h2>{m.notSent}</h2>
          <ul class="results">
            {refused.map((i) => <li class="refused" data-preview={i.invoiceId}>{link(i.invoiceId)}: {!i.accepted ? i.error.message : ''}</li>)}
          </ul>
        </section>
      ) : null}
      {warned.length ? (
        <section>
          <h2>{m.goodToKnow}</h2>
          <ul class="results">
            {warned.map((i) => <li data-preview={i.invoiceId}>{link(i.invoiceId)}: {i.accepted ? i.warnings.map((w) => w.message).join(' ') : ''}</li>)}
          </ul>
        </section>
      ) : null}
      {accepted.length ? (
        <form method="post" action="/app/invoices/send">
          <Csrf token={c.get('session').csrfToken} />
          <input type="hidden" name="back" value={p.back} />
          <input type="hidden" name="confirmed" value="yes" />
          {p.templateId ? <input type="hidden" name="templateId" value={p.templateId} /> : null}
          {p.method ? <input type="hidden" name="method" value={p.method} /> : null}
          {accepted.map((i) => <input type="hidden" name="invoiceIds" value={i.invoiceId} />)}
          <p>
            <button type="submit" name="action" value={p.kind} class="primary">{p.kind === 'remind' ? m.confirmRemind : m.confirmSend}</button>{' '}
            <a href={p.back}>{m.back}</a>
          </p>
        </form>
      ) : (
        <p>{m.nothingToSend} <a href={p.back}>{m.back}</a></p>
      )}
    </Page>
  );
}

export function invoiceListRoutes(sql: Sql) {
  const app = new Hono<BoEnv>();

  app.get('/invoices', async (c) => {
    const m = c.get('m');
    const company = c.get('company');
    if (!company) return c.html(<Page c={c} title={m.navInvoices} active="invoices"><NoCompany m={m} /></Page>);
    const statusParam = c.req.query('status') ?? '';
    const status = (INVOICE_STATUSES as readonly string[]).includes(statusParam) ? (statusParam as InvoiceStatus) : null;
    const search = (c.req.query('q') ?? '').trim().slice(0, 100);
    const api = c.get('api');
    const [rows, settings, templates] = await Promise.all([
      listInvoices(sql, c.get('session').tenantId, company.id, { status, search }),
      api.get(`/v1/companies/${q(company.id)}/distribution-settings`),
      api.get(`/v1/companies/${q(company.id)}/templates`),
    ]);
    const lang = c.get('lang');
    const back = `/app/invoices?${new URLSearchParams({ ...(status ? { status } : {}), ...(search ? { q: search } : {}) })}`;
    const anyPending = rows.some((r) => r.status === 'pending_send');
    return c.html(
      <Page c={c} title={m.navInvoices} active="invoices">
        <form method="get" action="/app/invoices" class="filters" role="search">
          <label for="status">{m.status}</label>
          <select id="status" name="status">
            <option value="">{m.all}</option>
            {INVOICE_STATUSES.map((s) => (
              <option value={s} selected={s === status}>
                {STATUS_NAMES[lang][s]}
              </option>
            ))}
          </select>
          <label for="q">{m.search}</label>
          <input id="q" name="q" type="search" value={search} placeholder={m.searchHint} maxlength={100} />
          <button type="submit">{m.filter}</button>
        </form>
        <form method="post" action="/app/invoices/send" data-refresh={anyPending ? 'pending' : undefined}>
          <Csrf token={c.get('session').csrfToken} />
          <input type="hidden" name="back" value={back} />
          <div class="toolbar">
            {templates.ok && templates.data.items.length ? (
              <>
                <label for="templateId">{m.template}</label>
                <select id="templateId" name="templateId">
                  <option value="">{m.none}</option>
                  {templates.data.items.map((t: { id: string; name: string }) => (
                    <option value={t.id}>{t.name}</option>
                  ))}
                </select>
              </>
            ) : null}
            {settings.data.canSend ? (
              <button type="submit" name="action" value="send" class="primary">
                {m.send}
              </button>
            ) : (
              <p class="hint">{m.noActiveMethod}</p>
            )}
            {settings.data.canSendReminders ? (
              <button type="submit" name="action" value="remind">
                {m.sendReminders}
              </button>
            ) : null}
          </div>
          <div class="table-wrap">
            <table>
              <caption class="visually-hidden">{m.navInvoices}</caption>
              <thead>
                <tr>
                  <th scope="col">
                    <input type="checkbox" data-select-all aria-label={m.selectAll} />
                  </th>
                  <th scope="col">{m.number}</th>
                  <th scope="col">{m.customer}</th>
                  <th scope="col">{m.status}</th>
                  <th scope="col">{m.dueDate}</th>
                  <th scope="col" class="num">{m.amount}</th>
                  <th scope="col"><span class="visually-hidden">{m.edit}</span></th>
                </tr>
              </thead>
              <tbody>
                {rows.slice(0, LIST_LIMIT).map((r) => {
                  const undoable = r.status === 'pending_send' && r.pending_undo_until && new Date(r.pending_undo_until).getTime() > Date.now();
                  return (
                    <tr data-invoice={r.id} data-number={r.number}>
                      <td>
                        <input type="checkbox" name="invoiceIds" value={r.id} id={`sel-${r.id}`} aria-label={`${m.select} ${m.invoice.toLowerCase()} ${r.number}`} />
                      </td>
                      <td>
                        <a href={`/app/invoices/${r.id}`}>{r.number}</a>
                      </td>
                      <td>
                        {r.person_name}
                        {r.organization_name ? <span class="muted"> · {r.organization_name}</span> : null}
                      </td>
                      <td>
                        <StatusBadge c={c} status={r.status} />
                        <OpenedBadge c={c} at={r.viewed_at} />
                        {r.status === 'pending_send' ? (
                          <>
                            {' '}
                            <Countdown c={c} until={r.pending_undo_until} />
                          </>
                        ) : null}
                      </td>
                      <td>{String(r.due_date)}</td>
                      <td class="num">{money(r.total_amount, r.currency, lang)}</td>
                      <td class="actions">
                        {undoable ? (
                          <button type="submit" formaction={`/app/invoices/${r.id}/credit`} class="danger">
                            {m.undo}
                            <span class="visually-hidden"> {r.number}</span>
                          </button>
                        ) : null}
                        {['unsent', 'sent', 'reminder'].includes(r.status) ? (
                          <button type="submit" formaction={`/app/invoices/${r.id}/mark-paid`}>
                            {m.markPaid}
                            <span class="visually-hidden"> {r.number}</span>
                          </button>
                        ) : null}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          {rows.length === 0 ? <p>{m.noInvoices}</p> : null}
          {rows.length > LIST_LIMIT ? <p class="hint">{m.showingFirst.replace('{n}', String(LIST_LIMIT))}</p> : null}
        </form>
      </Page>,
    );
  });

  /** Send or remind the ticked invoices; each is accepted or refused as the API answers. */
  app.post('/invoices/send', async (c) => {
    const m = c.get('m');
    const form = await c.req.parseBody({ all: true });
    const ids = fields(form, 'invoiceIds');
    const kind = field(form, 'action') === 'remind' ? 'remind' : 'send';
    const templateId = field(form, 'templateId') || null;
    const back = localPath(field(form, 'back'), kind === 'remind' ? '/app/reminders' : '/app/invoices');
    // A method chosen on the failure list (Misslyckade) instead of the customer's.
    const method = field(form, 'method') || undefined;
    // *Skicka* shows what would happen first; *Bekräfta och skicka* (confirmed) sends.
    if (field(form, 'confirmed') !== 'yes' && ids.length > 0) {
      const preview = await c.get('api').post(kind === 'remind' ? '/v1/invoices/send-reminders-preview' : '/v1/invoices/send-preview', { invoiceIds: ids, templateId, method });
      if (preview.ok) {
        return c.html(<PreviewPage c={c} preview={preview.data} numbers={await invoiceNumbers(sql, c, ids)} kind={kind} templateId={templateId} method={method} back={back} />);
      }
    }
    const res = await c.get('api').post(kind === 'remind' ? '/v1/invoices/send-reminders' : '/v1/invoices/send', { invoiceIds: ids, templateId, method });
    const title = m.sendResult;
    if (!res.ok) {
      const noneSelected = res.status === 422 && ids.length === 0;
      return c.html(
        <Page c={c} title={title} active={kind === 'remind' ? 'reminders' : 'invoices'}>
          {noneSelected ? (
            <p class="alert error" role="alert">{m.selectInvoice}</p>
          ) : (
            <FieldErrors errors={res.data.errors ?? [{ path: '(request)', message: res.data.detail }]} m={m} />
          )}
          <p><a href={back}>{m.back}</a></p>
        </Page>,
        422,
      );
    }
    const numbers = await invoiceNumbers(sql, c, ids);
    type Result = { invoiceId: string; accepted: boolean; error?: { code: string; message: string } };
    return c.html(
      <Page c={c} title={title} active={kind === 'remind' ? 'reminders' : 'invoices'}>
        <ul class="results" aria-live="polite">
          {(res.data.results as Result[]).map((r) => (
            <li class={r.accepted ? 'ok' : 'refused'}>
              <a href={`/app/invoices/${r.invoiceId}`}>{numbers.get(r.invoiceId) ?? r.invoiceId}</a>:{' '}
              {r.accepted ? m.accepted : `${m.refused} – ${r.error?.message}`}
            </li>
          ))}
        </ul>
        <p>
          <a href={`/app/runs/${res.data.runId}`} class="button primary">{m.followRun}</a> <a href={back}>{m.back}</a>
        </p>
      </Page>,
      200,
    );
  });

  // Row actions: undo (credit) and mark paid, through the API; errors show its message.
  for (const action of ['credit', 'mark-paid'] as const) {
    app.post(`/invoices/:id/${action}`, async (c) => {
      const form = await c.req.parseBody();
      const id = c.req.param('id');
      const res = await c.get('api').post(`/v1/invoices/${q(id)}/${action}`, action === 'credit' ? { reason: 'Undone in the back office' } : {});
      const back = localPath(field(form, 'back'), `/app/invoices/${id}`);
      if (!res.ok) {
        const m = c.get('m');
        return c.html(
          <Page c={c} title={m.error} active="invoices">
            <p class="alert error" role="alert">{res.data.detail}</p>
            <p><a href={back}>{m.back}</a></p>
          </Page>,
          res.status === 404 ? 404 : 409,
        );
      }
      return c.redirect(back, 303);
    });
  }

  return app;
}
