import { describe, expect, it } from 'vitest';
import type { Harness } from './helpers/harness.js';
import { useTestService } from './helpers/service.js';
import { fixtures, waitFor } from './helpers/fixtures.js';

let h: Harness;
let key: string;
useTestService((t) => ({ h, key } = t), { worker: false });

describe('mass send', () => {
  it('accepts 10,000 invoices in one request: all pending_send, each owned by its own running workflow', async () => {
    const f = fixtures(h, key);
    const companyId = await f.company({ activeMethods: ['email'], defaultMethod: 'email', undoWindowSeconds: 3600 });
    const personId = await f.person();
    const [{ tenant_id: tenantId }] = await h.sql`SELECT tenant_id FROM companies WHERE id = ${companyId}`;
    // Fixture rows straight into the table: the billing run's invoices, not what is under test here.
    await h.sql`
      INSERT INTO invoices (id, tenant_id, company_id, number, status, person_id, issue_date, due_date, ocr, email,
                            lines, net_amount, vat_amount, total_amount)
      SELECT 'inv_mass_' || lpad(n::text, 5, '0'), ${tenantId}, ${companyId}, 'M' || n, 'unsent', ${personId},
             '2026-11-01', '2026-11-30', '1234566', 'mass@example.com',
             '[{"description":"Gym","quantity":1,"unitAmount":10000,"vatRate":25}]'::jsonb, 10000, 2500, 12500
      FROM generate_series(1, 10000) AS n`;
    const ids = (await h.sql`SELECT id FROM invoices WHERE company_id = ${companyId} ORDER BY id DESC`).map((r) => r.id as string);
    expect(ids).toHaveLength(10_000);

    // Answered once the run is committed; the workflows start after the answer.
    const res = await h.request('POST', '/v1/invoices/send', { key, body: { invoiceIds: ids }, leaveStartsQueued: true });
    expect(res.status).toBe(202);
    const runId = res.json.runId as string;
    const run = await h.request('GET', `/v1/send-runs/${runId}`, { key, leaveStartsQueued: true });
    expect(run.json).toMatchObject({ id: runId, kind: 'invoice', total: 10_000, accepted: 10_000, refused: 0, pending: 10_000, sent: 0, completedAt: null });
    const listed = await h.request('GET', `/v1/send-runs?companyId=${companyId}`, { key, leaveStartsQueued: true });
    expect(listed.json.items.map((r: { id: string }) => r.id)).toEqual([runId]);
    await h.starter.drain();
    expect(await h.sql`SELECT count(*)::int AS n FROM send_run_items WHERE run_id = ${runId} AND started`).toEqual([{ n: 10_000 }]);
    const results = res.json.results as { invoiceId: string; accepted: boolean; workflowId: string }[];
    expect(results.map((r) => r.invoiceId)).toEqual(ids); // request order
    expect(results.every((r) => r.accepted)).toBe(true);
    expect(new Set(results.map((r) => r.workflowId)).size).toBe(10_000);

    const [counts] = await h.sql`
      SELECT count(*) FILTER (WHERE status = 'pending_send') AS pending,
             count(DISTINCT pending_workflow_id) AS workflows
      FROM invoices WHERE company_id = ${companyId}`;
    expect(counts).toEqual({ pending: 10_000, workflows: 10_000 });
    const requested = await h.sql`SELECT count(*)::int AS n FROM invoice_history WHERE type = 'send_requested' AND invoice_id LIKE 'inv_mass_%'`;
    expect(requested[0].n).toBe(10_000);

    // Every one of them has its workflow on the server, found by the CompanyId search attribute.
    const running = await waitFor(
      async () => {
        const { count } = await h.client.workflow.count(`CompanyId = "${companyId}" AND ExecutionStatus = "Running"`);
        return count === 10_000 ? count : null;
      },
      { timeoutMs: 60_000, what: 'visibility to count 10,000 running workflows' },
    );
    expect(running).toBe(10_000);
    const sample = results[4321];
    const description = await h.client.workflow.getHandle(sample.workflowId).describe();
    expect(description.status.name).toBe('RUNNING');
  });
});
