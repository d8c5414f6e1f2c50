/** @jsxImportSource hono/jsx */
import { Hono } from 'hono';
import type { Sql } from '../../db/client.js';
import { q } from '../api-client.js';
import type { BoEnv } from '../context.js';
import { money } from '../format.js';
import { Csrf, NoCompany, Page } from '../layout.js';
import { StatusBadge } from './invoices.js';

type DunningItem = {
  id: string; number: string; personId: string; status: 'sent' | 'reminder'; dueDate: string; totalAmount: number;
  currency: string; reminderCount: number; reminderDate: string | null; daysOverdue: number;
};

/** The dunning list as the API gives it (most overdue first), with the customers' names beside. */
export function reminderRoutes(sql: Sql) {
  const app = new Hono<BoEnv>();
  app.get('/reminders', async (c) => {
    const m = c.get('m');
    const lang = c.get('lang');
    const company = c.get('company');
    if (!company) return c.html(<Page c={c} title={m.navReminders} active="reminders"><NoCompany m={m} /></Page>);
    const api = c.get('api');
    const [dunning, settings] = await Promise.all([
      api.get(`/v1/companies/${q(company.id)}/dunning?limit=500`),
      api.get(`/v1/companies/${q(company.id)}/distribution-settings`),
    ]);
    const items = (dunning.data.items ?? []) as DunningItem[];
    const names = new Map<string, string>(
      (await sql`SELECT id, name FROM persons WHERE tenant_id = ${c.get('session').tenantId} AND id = ANY(${items.map((i) => i.personId)}::text[])`).map((r) => [r.id, r.name]),
    );
    return c.html(
      <Page c={c} title={m.navReminders} active="reminders">
        {settings.data.canSendReminders ? null : <p class="alert">{m.noReminderMethod}</p>}
        {items.length === 0 ? (
          <p>{m.noOverdue}</p>
        ) : (
          <form method="post" action="/app/invoices/send">
            <Csrf token={c.get('session').csrfToken} />
            <input type="hidden" name="back" value="/app/reminders" />
            {settings.data.canSendReminders ? (
              <div class="toolbar">
                <button type="submit" name="action" value="remind" class="primary">{m.sendReminders}</button>
              </div>
            ) : null}
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col"><input type="checkbox" data-select-all aria-label={m.selectAll} /></th>
                    <th scope="col">{m.number}</th>
                    <th scope="col">{m.customer}</th>
                    <th scope="col">{m.status}</th>
                    <th scope="col">{m.dueDate}</th>
                    <th scope="col" class="num">{m.daysOverdue}</th>
                    <th scope="col" class="num">{m.reminderCount}</th>
                    <th scope="col">{m.lastReminder}</th>
                    <th scope="col" class="num">{m.amount}</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((i) => (
                    <tr data-invoice={i.id} data-number={i.number}>
                      <td><input type="checkbox" name="invoiceIds" value={i.id} aria-label={`${m.select} ${m.invoice.toLowerCase()} ${i.number}`} /></td>
                      <td><a href={`/app/invoices/${i.id}`}>{i.number}</a></td>
                      <td>{names.get(i.personId) ?? ''}</td>
                      <td><StatusBadge c={c} status={i.status} /></td>
                      <td>{i.dueDate}</td>
                      <td class="num">{i.daysOverdue}</td>
                      <td class="num">{i.reminderCount}</td>
                      <td>{i.reminderDate ?? '–'}</td>
                      <td class="num">{money(i.totalAmount, i.currency, lang)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </form>
        )}
      </Page>,
    );
  });
  return app;
}
