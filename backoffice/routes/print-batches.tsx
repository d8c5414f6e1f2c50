/** @jsxImportSource hono/jsx */
import { Hono } from 'hono';
import { q } from '../api-client.js';
import type { BoEnv } from '../context.js';
import { dateTime } from '../format.js';
import { NoCompany, Page } from '../layout.js';

/** The company's own-printer batches, and each one's merged PDF to print. */
export function printBatchRoutes() {
  const app = new Hono<BoEnv>();
  app.get('/print-batches', async (c) => {
    const m = c.get('m');
    const company = c.get('company');
    if (!company) return c.html(<Page c={c} title={m.printBatches} active="print"><NoCompany m={m} /></Page>);
    const res = await c.get('api').get(`/v1/print-batches?companyId=${q(company.id)}`);
    const items = (res.data.items ?? []) as { id: string; createdAt: string; invoiceIds: string[]; pageCount: number }[];
    return c.html(
      <Page c={c} title={m.printBatches} active="print">
        {items.length ? (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">{m.created}</th>
                  <th scope="col" class="num">{m.invoices}</th>
                  <th scope="col" class="num">{m.pages}</th>
                  <th scope="col"><span class="visually-hidden">{m.download}</span></th>
                </tr>
              </thead>
              <tbody>
                {items.map((b) => (
                  <tr>
                    <td>{dateTime(b.createdAt, c.get('lang'))}</td>
                    <td class="num">{b.invoiceIds.length}</td>
                    <td class="num">{b.pageCount}</td>
                    <td><a href={`/app/print-batches/${b.id}.pdf`} download>{m.download}</a></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p>{m.noBatches}</p>
        )}
      </Page>,
    );
  });

  app.get('/print-batches/:file{.+\\.pdf}', async (c) => {
    const id = c.req.param('file').replace(/\.pdf$/, '');
    const res = await c.get('api').raw('GET', `/v1/print-batches/${q(id)}`);
    if (!res.ok) return c.notFound();
    return new Response(res.body, { status: 200, headers: { 'content-type': 'application/pdf', 'content-disposition': 'attachment; filename="print-batch.pdf"' } });
  });
  return app;
}
