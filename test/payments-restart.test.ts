// A payment file outlives its worker: the worker process applying a BgMax file is killed
// (SIGKILL) halfway; another one finishes the file, and every payment is applied exactly once.
import { expect, it } from 'vitest';
import pMap from 'p-map';
import type { Harness } from './helpers/harness.js';
import { useTestService } from './helpers/service.js';
import { fixtures, waitFor } from './helpers/fixtures.js';
import { killed, startWorkerProcess } from './helpers/worker-process.js';
import { bgmaxFile } from './helpers/bank-file-builder.js';

const PAYMENTS = 600;
let h: Harness;
let key: string;
useTestService((t) => ({ h, key } = t), { worker: false });

it(`a worker killed halfway through a ${PAYMENTS}-payment BgMax file: another finishes it, each payment applied once`, async () => {
  const f = fixtures(h, key);
  const company = await f.company({ activeMethods: ['email'], defaultMethod: 'email' });
  const person = await f.person();
  const invoices = await pMap(Array.from({ length: PAYMENTS }), () => f.invoice(company, person), { concurrency: 16 });
  const content = bgmaxFile({ deposits: [{ date: '2026-11-27', payments: invoices.map((i) => ({ reference: i.ocr, amount: i.totalAmount })) }] });

  const first = await startWorkerProcess(h);
  let second: Awaited<ReturnType<typeof startWorkerProcess>> | undefined;
  try {
    const res = await h.request('POST', `/v1/companies/${company}/payment-files`, { key, rawBody: content, headers: { 'content-type': 'text/plain' } });
    expect(res.status).toBe(202);
    const applied = async () => (await h.sql`SELECT count(*)::int AS n FROM payment_records WHERE file_id = ${res.json.id}`)[0].n as number;
    await waitFor(async () => (await applied()) >= 20, { timeoutMs: 60_000, what: 'the first records applied' });
    await killed(first);
    const atKill = await applied();
    expect(atKill).toBeLessThan(PAYMENTS);

    second = await startWorkerProcess(h);
    await waitFor(async () => {
      const r = await h.request('GET', `/v1/payment-files/${res.json.id}`, { key });
      return r.json.status === 'done' ? r.json : null;
    }, { timeoutMs: 120_000, what: 'the file finished by the second worker' });
    const file = (await h.request('GET', `/v1/payment-files/${res.json.id}`, { key })).json;
    expect(file).toMatchObject({ records: PAYMENTS, matched: PAYMENTS, paid: PAYMENTS, unmatched: 0 });
    const perInvoice = await h.sql`
      SELECT i.status, count(x.id)::int AS received FROM invoices i
      LEFT JOIN invoice_history x ON x.invoice_id = i.id AND x.type = 'payment_received'
      WHERE i.company_id = ${company} GROUP BY i.id, i.status`;
    expect(perInvoice).toHaveLength(PAYMENTS);
    expect(perInvoice.every((r) => r.status === 'paid' && r.received === 1)).toBe(true);
    console.log(`payments restart: ${atKill} of ${PAYMENTS} records applied when the first worker was killed; the second applied the rest, each once`);
  } finally {
    await killed(first);
    if (second) await killed(second);
  }
});
