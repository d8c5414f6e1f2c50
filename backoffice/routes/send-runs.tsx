/** @jsxImportSource hono/jsx */
import { Hono } from 'hono';
import type { Sql } from '../../db/client.js';
import { q } from '../api-client.js';
import type { BoContext, BoEnv } from '../context.js';
import { dateTime } from '../format.js';
import { Page } from '../layout.js';

type Run = {
  id: string; kind: 'invoice' | 'reminder'; createdAt: string; total: number; accepted: number; refused: number;
  pending: number; sent: number; failed: number; undone: number; completedAt: string | null;
};

/** Failed sends of a run with the reason their history gives (the failure the workflow recorded). */
async function runFailures(sql: Sql, tenantId: string, runId: string) {
  return sql`
    SELECT s.invoice_id, i.number,
           (SELECT h.message FROM invoice_history h
            WHERE h.tenant_id = s.tenant_id AND h.invoice_id = s.invoice_id AND h.workflow_id = s.workflow_id
              AND h.type IN ('send_failed', 'reminder_failed')
            ORDER BY h.id DESC LIMIT 1) AS reason
    FROM send_run_items s JOIN invoices i ON i.id = s.invoice_id AND i.tenant_id = s.tenant_id
    WHERE s.tenant_id = ${tenantId} AND s.run_id = ${runId} AND s.outcome = 'failed'
    ORDER BY i.number LIMIT 500`;
}

function Counts({ c, run }: { c: BoContext; run: Run }) {
  const m = c.get('m');
  const cells: [string, number, string][] = [
    [m.requested, run.total, 'total'],
    [m.refusedCount, run.refused, 'refused'],
    [m.pending, run.pending, 'pending'],
    [m.sent, run.sent, 'sent'],
    [m.failed, run.failed, 'failed'],
    [m.undone, run.undone, 'undone'],
  ];
  const done = run.accepted - run.pending;
  return (
    <div>
      <p>
        <strong>{run.completedAt ? m.completed : m.inProgress}</strong>
        {run.completedAt ? ` – ${dateTime(run.completedAt, c.get('lang'))}` : ''}
      </p>
      <progress max={Math.max(run.accepted, 1)} value={run.accepted ? done : 1} aria-label={m.inProgress}>
        {done}/{run.accepted}
      </progress>
      <dl class="counts">
        {cells.map(([label, n, key]) => (
          <div class={`count count-${key}`}>
            <dt>{label}</dt>
            <dd data-count={key}>{n}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}

function Progress({ c, run, failures }: { c: BoContext; run: Run; failures: { invoice_id: string; number: string; reason: string | null }[] }) {
  const m = c.get('m');
  return (
    <div id="run-progress" data-live={run.completedAt ? undefined : `/app/runs/${run.id}/progress`} aria-live="polite">
      <Counts c={c} run={run} />
      {failures.length ? (
        <section>
          <h2>{m.failures}</h2>
          <p><a href={`/app/failures?runId=${encodeURIComponent(run.id)}`}>{m.seeFailures}</a></p>
          <table>
            <thead>
              <tr>
                <th scope="col">{m.invoice}</th>
                <th scope="col">{m.reason}</th>
              </tr>
            </thead>
            <tbody>
              {failures.map((f) => (
                <tr>
                  <td><a href={`/app/invoices/${f.invoice_id}`}>{f.number}</a></td>
                  <td>{f.reason ?? '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
      {run.completedAt ? null : <p class="hint">{m.refreshing}</p>}
    </div>
  );
}

export function sendRunRoutes(sql: Sql) {
  const app = new Hono<BoEnv>();

  app.get('/runs', async (c) => {
    const m = c.get('m');
    const company = c.get('company');
    const res = await c.get('api').get(`/v1/send-runs?limit=50${company ? `&companyId=${q(company.id)}` : ''}`);
    const runs = (res.data.items ?? []) as Run[];
    const lang = c.get('lang');
    return c.html(
      <Page c={c} title={m.runs} active="runs">
        {runs.length ? (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">{m.started}</th>
                  <th scope="col">{m.kind}</th>
                  <th scope="col" class="num">{m.requested}</th>
                  <th scope="col" class="num">{m.pending}</th>
                  <th scope="col" class="num">{m.sent}</th>
                  <th scope="col" class="num">{m.failed}</th>
                  <th scope="col" class="num">{m.undone}</th>
                  <th scope="col" class="num">{m.refusedCount}</th>
                  <th scope="col">{m.status}</th>
                </tr>
              </thead>
              <tbody>
                {runs.map((r) => (
                  <tr>
                    <td><a href={`/app/runs/${r.id}`}>{dateTime(r.createdAt, lang)}</a></td>
                    <td>{r.kind === 'reminder' ? m.kindReminder : m.kindInvoice}</td>
                    <td class="num">{r.total}</td>
                    <td class="num">{r.pending}</td>
                    <td class="num">{r.sent}</td>
                    <td class="num">{r.failed}</td>
                    <td class="num">{r.undone}</td>
                    <td class="num">{r.refused}</td>
                    <td>{r.completedAt ? m.completed : m.inProgress}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p>{m.noRuns}</p>
        )}
      </Page>,
    );
  });

  async function load(c: BoContext) {
    const id = c.req.param('id')!;
    const res = await c.get('api').get(`/v1/send-runs/${q(id)}`);
    if (!res.ok) return null;
    return { run: res.data as Run, failures: (await runFailures(sql, c.get("session").tenantId, id)) as unknown as { invoice_id: string; number: string; reason: string | null }[] };
  }

  app.get('/runs/:id', async (c) => {
    const m = c.get('m');
    const loaded = await load(c);
    if (!loaded) return c.notFound();
    const { run } = loaded;
    return c.html(
      <Page c={c} title={`${m.run} ${dateTime(run.createdAt, c.get('lang'))} – ${run.kind === 'reminder' ? m.kindReminder : m.kindInvoice}`} active="runs">
        <Progress c={c} run={run} failures={loaded.failures} />
      </Page>,
    );
  });

  /** The progress block alone, which the page script swaps in every two seconds until the run completes. */
  app.get('/runs/:id/progress', async (c) => {
    const loaded = await load(c);
    if (!loaded) return c.notFound();
    return c.html(<Progress c={c} run={loaded.run} failures={loaded.failures} />);
  });

  return app;
}
