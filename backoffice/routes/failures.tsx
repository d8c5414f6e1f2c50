/** @jsxImportSource hono/jsx */
// Misslyckade: the work list of what failed or bounced (GET /v1/send-failures), ticked and sent
// again in one step through the same send form as the invoice list.
import { Hono } from 'hono';
import { q } from '../api-client.js';
import type { BoContext, BoEnv } from '../context.js';
import { dateTime } from '../format.js';
import { METHOD_NAMES } from '../i18n.js';
import { Csrf, NoCompany, Page } from '../layout.js';
import type { Method } from '../../domain/methods.js';

type Failure = {
  invoiceId: string; number: string; companyId: string; kind: 'invoice' | 'reminder'; method: Method | null;
  code: string; message: string; at: string; runId: string | null; bounced: boolean;
};

function FailureTable({ c, items, kind, activeMethods, back }: { c: BoContext; items: Failure[]; kind: 'invoice' | 'reminder'; activeMethods: Method[]; back: string }) {
  const m = c.get('m');
  const lang = c.get('lang');
  if (!items.length) return null;
  return (
    <form method="post" action="/app/invoices/send" data-failures={kind}>
      <Csrf token={c.get('session').csrfToken} />
      <input type="hidden" name="back" value={back} />
      {/* The list is the preview: its reasons are shown, so Skicka igen sends at once. */}
      <input type="hidden" name="confirmed" value="yes" />
      <h2>{kind === 'reminder' ? m.failedReminders : m.failedInvoices}</h2>
      <div class="toolbar">
        <label for={`method-${kind}`}>{m.resendBy}</label>
        <select id={`method-${kind}`} name="method">
          <option value="">{m.customersChoice}</option>
          {activeMethods.map((method) => (
            <option value={method}>{METHOD_NAMES[lang][method]}</option>
          ))}
        </select>
        <button type="submit" name="action" value={kind === 'reminder' ? 'remind' : 'send'} class="primary">
          {m.resend}
        </button>
      </div>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col"><input type="checkbox" data-select-all aria-label={m.selectAll} /></th>
              <th scope="col">{m.invoice}</th>
              <th scope="col">{m.when}</th>
              <th scope="col">{m.deliveryMethod}</th>
              <th scope="col">{m.reason}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((f) => (
              <tr data-failure={f.invoiceId}>
                <td>
                  <input type="checkbox" name="invoiceIds" value={f.invoiceId} id={`sel-${f.invoiceId}`} aria-label={`${m.select} ${m.invoice.toLowerCase()} ${f.number}`} />
                </td>
                <td><a href={`/app/invoices/${f.invoiceId}`}>{f.number}</a></td>
                <td>{dateTime(f.at, lang)}{f.runId ? <> · <a href={`/app/runs/${f.runId}`}>{m.run}</a></> : null}</td>
                <td>{f.method ? METHOD_NAMES[lang][f.method] : '–'}{f.bounced ? <span class="muted"> ({m.bounced})</span> : null}</td>
                <td>{f.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </form>
  );
}

export function failureRoutes() {
  const app = new Hono<BoEnv>();
  app.get('/failures', async (c) => {
    const m = c.get('m');
    const company = c.get('company');
    if (!company) return c.html(<Page c={c} title={m.navFailures} active="failures"><NoCompany m={m} /></Page>);
    const runId = c.req.query('runId');
    const api = c.get('api');
    const [list, settings] = await Promise.all([
      api.get(`/v1/send-failures?limit=500&companyId=${q(company.id)}${runId ? `&runId=${q(runId)}` : ''}`),
      api.get(`/v1/companies/${q(company.id)}/distribution-settings`),
    ]);
    const items = (list.ok ? list.data.items : []) as Failure[];
    const activeMethods = (settings.ok ? settings.data.activeMethods : []) as Method[];
    const back = `/app/failures${runId ? `?runId=${encodeURIComponent(runId)}` : ''}`;
    return c.html(
      <Page c={c} title={m.navFailures} active="failures">
        <p class="hint">{m.failuresLead}</p>
        {runId ? <p><a href="/app/failures">{m.allRuns}</a></p> : null}
        {items.length ? (
          <>
            <FailureTable c={c} items={items.filter((f) => f.kind === 'invoice')} kind="invoice" activeMethods={activeMethods} back={back} />
            <FailureTable c={c} items={items.filter((f) => f.kind === 'reminder')} kind="reminder" activeMethods={activeMethods} back={back} />
          </>
        ) : (
          <p>{m.noFailures}</p>
        )}
      </Page>,
    );
  });
  return app;
}
