// Records one workflow history per path of the send workflow into test/replay/histories/, so the
// replay test can prove that new workflow code still replays runs started by older code.
// Run with `npm run record-histories` (before changing workflow code, to capture the old shape);
// existing files are kept, so histories of older versions stay as they were recorded.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ensureTemporalCli } from '../../platform/temporal-cli.js';
import { createHarness, type Harness } from '../helpers/harness.js';
import { fixtures, waitFor } from '../helpers/fixtures.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { creditSignal } from '../../workflows/definitions.js';
import { webhookWorkflowId } from '../../services/webhook-workflows.js';
import { bgmaxFile } from '../helpers/bank-file-builder.js';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { scanPaymentsInbox } from '../../workflows/scan-payments-inbox.js';

const DIR = path.join(import.meta.dirname, 'histories');
const VERSION = process.env.HISTORY_VERSION ?? 'v1';
/** Version of the webhook workflow's recorded shape; bump it when that workflow changes. */
const WEBHOOKS_VERSION = 'webhooks-v2';
/** Version of the payment-file workflows' recorded shape. */
const PAYMENTS_VERSION = 'payments-v1';

let h: Harness;
let key: string;
let f: ReturnType<typeof fixtures>;
let stopWorker: () => Promise<void>;

beforeAll(async () => {
  h = await createHarness();
  stopWorker = (await h.startWorker()).stop;
  key = await h.createTenant();
  f = fixtures(h, key);
});
afterAll(async () => {
  await stopWorker?.();
  await h?.close();
});

const save = (name: string, workflowId: string) => saveAs(path.join(DIR, `${VERSION}-${name}.json`), workflowId);

async function saveAs(file: string, workflowId: string) {
  const handle = h.client.workflow.getHandle(workflowId);
  await handle.result().catch(() => undefined);
  if (existsSync(file)) return;
  // The CLI writes the history in the proto3 JSON form that historyFromJSON reads back.
  const { stdout } = await promisify(execFile)(await ensureTemporalCli(() => {}), [
    'workflow', 'show', '--workflow-id', workflowId, '--address', h.temporalAddress, '--output', 'json',
  ], { maxBuffer: 64 * 1024 * 1024 });
  await writeFile(file, stdout);
}

const send = async (invoiceId: string, kind: 'send' | 'send-reminders' = 'send') => {
  const res = await h.request('POST', `/v1/invoices/${kind}`, { key, body: { invoiceIds: [invoiceId] } });
  expect(res.json.results[0].accepted).toBe(true);
  return res.json.results[0].workflowId as string;
};

it('records a history of every path', async () => {
  const email = await f.company({ activeMethods: ['email'], defaultMethod: 'email', undoWindowSeconds: 0 });
  await save('sent-email', await send((await f.invoice(email, await f.person())).id));

  const windowed = await f.company({ activeMethods: ['email'], defaultMethod: 'email', undoWindowSeconds: 60 });
  const undoInv = await f.invoice(windowed, await f.person());
  const undoWf = await send(undoInv.id);
  const credit = await h.request('POST', `/v1/invoices/${undoInv.id}/credit`, { key, body: { reason: 'wrong amount' } });
  expect(credit.json.undone).toBe(true);
  await save('undone-update', undoWf);

  const signalInv = await f.invoice(windowed, await f.person());
  const signalWf = await send(signalInv.id);
  await h.client.workflow.getHandle(signalWf).signal(creditSignal, { reason: 'from the billing system' });
  await save('undone-signal', signalWf);

  h.smtp.state.refuse = true;
  await save('failed-restored', await send((await f.invoice(email, await f.person())).id));
  h.smtp.state.refuse = false;

  await save('no-eligible-method', await send((await f.invoice(email, await f.person({ email: null }))).id));

  const fallback = await f.company({ activeMethods: ['email', 'own_printer'], defaultMethod: 'email', fallbackMethod: 'own_printer' });
  await save('fallback-own-printer', await send((await f.invoice(fallback, await f.person({ email: null }))).id));

  const central = await f.company({ activeMethods: ['central_print'], defaultMethod: 'central_print' });
  await save('sent-central-print', await send((await f.invoice(central, await f.person())).id));

  // Kivra (from v4 on): the content written to the Kivra outbox, as no Kivra is configured here.
  const kivra = await f.company({ activeMethods: ['kivra'], defaultMethod: 'kivra' }, { kivraTenantKey: '13443459078e31ba8630e2e9842906c7baf38b131e' });
  await save('sent-kivra', await send((await f.invoice(kivra, await f.person({ personalIdentityNumber: '191212121212' }))).id));

  const reminders = await f.company({ activeMethods: ['email'], defaultMethod: 'email', reminderDistribution: true });
  const overdue = await f.invoice(reminders, await f.person(), { issueDate: '2026-01-01', dueDate: '2026-01-31' });
  await send(overdue.id);
  await waitFor(async () => (await h.sql`SELECT status FROM invoices WHERE id = ${overdue.id}`)[0].status === 'sent');
  await save('reminder-sent', await send(overdue.id, 'send-reminders'));

  // A credit signalled while the delivery is under way (its first SMTP attempt fails).
  h.smtp.state.temporaryFailures = 1;
  const lateWf = await send((await f.invoice(email, await f.person())).id);
  await waitFor(async () => h.smtp.state.temporaryFailures === 0);
  await h.client.workflow.getHandle(lateWf).signal(creditSignal, { reason: 'late' });
  await save('late-credit', lateWf);

  // The webhook workflow (its own versions: webhooks-v1-…): an event refused once (HTTP 500) and
  // then delivered, an idle poll, and the end when the endpoint is deleted.
  let refuse = 1;
  let delivered = 0;
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (refuse > 0) {
        refuse--;
        res.writeHead(500).end();
      } else {
        delivered++;
        res.writeHead(204).end();
      }
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  try {
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
    const ep = (await h.request('POST', '/v1/webhook-endpoints', { key, body: { url, events: ['webhook.test'] } })).json;
    await h.request('POST', `/v1/webhook-endpoints/${ep.id}/test`, { key });
    await waitFor(async () => delivered === 1, { timeoutMs: 60_000, what: 'the test event delivered' });
    await new Promise((r) => setTimeout(r, 3000)); // an idle poll
    await h.request('DELETE', `/v1/webhook-endpoints/${ep.id}`, { key });
    await saveAs(path.join(DIR, `${WEBHOOKS_VERSION}-retried-then-deleted.json`), webhookWorkflowId(ep.id));
  } finally {
    receiver.close();
  }

  // The payment-file workflows (payments-v1-…): an inbox scan that starts a file's workflow, which applies it.
  const company = await f.company({ activeMethods: ['email'], defaultMethod: 'email' });
  const inv = await f.invoice(company, await f.person());
  const inbox = await mkdtemp(path.join(os.tmpdir(), 'record-inbox-'));
  try {
    await mkdir(path.join(inbox, company));
    await writeFile(path.join(inbox, company, 'bgmax.txt'), bgmaxFile({ deposits: [{ date: '2026-11-27', payments: [{ reference: inv.ocr, amount: inv.totalAmount }] }] }));
    const scanId = `scan-record-${company}`;
    expect(await h.client.workflow.execute(scanPaymentsInbox, { taskQueue: h.taskQueue, workflowId: scanId, args: [{ dir: inbox }] })).toBe(1);
    const [file] = await h.sql`SELECT id FROM payment_files WHERE company_id = ${company}`;
    await saveAs(path.join(DIR, `${PAYMENTS_VERSION}-inbox-scan.json`), scanId);
    await saveAs(path.join(DIR, `${PAYMENTS_VERSION}-apply-file.json`), `payment-file-${file.id}`);
  } finally {
    await rm(inbox, { recursive: true, force: true });
  }
});
