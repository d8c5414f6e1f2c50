// A credit posted in the same instant as the send request, hundreds of times: the answer
// `undone: true` comes exactly when nothing went out, whatever the timing (the run not yet
// started, starting, or waiting), a second credit is 409, and history and run agree.
import { describe, expect, it } from 'vitest';
import { useTestService, type TestService } from './helpers/service.js';
import { history, waitFor } from './helpers/fixtures.js';

let s: TestService;
useTestService((t) => (s = t));

const RACES = Number(process.env.CREDIT_RACES ?? 200);

describe('a credit racing the send', () => {
  it(`${RACES} races of send + credit (+ a second credit): undone exactly when nothing was delivered`, async () => {
    const noWindow = await s.f.company({ activeMethods: ['email'], defaultMethod: 'email', undoWindowSeconds: 0 });
    const windowed = await s.f.company({ activeMethods: ['email'], defaultMethod: 'email', undoWindowSeconds: 30 });
    const person = await s.f.person({ email: 'race@example.com' });
    const tally = { undone: 0, creditedAfterDelivery: 0, creditedBeforeSend: 0, secondCredit409: 0 };
    const cases: { invoiceId: string; workflowId: string | null; undone: boolean | null }[] = [];

    for (let i = 0; i < RACES; i++) {
      const inv = await s.f.invoice(i % 4 === 3 ? windowed : noWindow, person);
      // From the same instant to a little after: the run not yet started, starting, or delivering.
      const credit = async () => {
        await new Promise((r) => setTimeout(r, (i % 8) * 40));
        return s.h.request('POST', `/v1/invoices/${inv.id}/credit`, { key: s.key, body: { reason: `race ${i}` } });
      };
      const [sent, first, second] = await Promise.all([
        s.h.request('POST', '/v1/invoices/send', { key: s.key, body: { invoiceIds: [inv.id] } }),
        credit(),
        i % 2 === 0 ? credit() : Promise.resolve(null),
      ]);
      const credits = [first, second].filter((c) => c !== null);
      // Exactly one credit wins; any other is 409.
      expect(credits.filter((c) => c.status === 200)).toHaveLength(1);
      for (const c of credits.filter((x) => x.status !== 200)) expect(c.status).toBe(409);
      tally.secondCredit409 += credits.length - 1;
      const winner = credits.find((c) => c.status === 200)!;
      const accepted = sent.json.results?.[0]?.accepted === true;
      cases.push({ invoiceId: inv.id, workflowId: accepted ? sent.json.results[0].workflowId : null, undone: winner.json.undone });
      if (!accepted) {
        // The credit came first: the send was refused, nothing to undo.
        expect(winner.json.undone).toBe(false);
        tally.creditedBeforeSend++;
      }
    }

    for (const c of cases.filter((x) => x.workflowId !== null)) {
      await s.h.client.workflow.getHandle(c.workflowId!).result().catch(() => undefined);
      const settled = await waitFor(async () => {
        const [row] = await s.h.sql`SELECT status, pending_workflow_id FROM invoices WHERE id = ${c.invoiceId}`;
        return row.pending_workflow_id === null ? row : null;
      }, { what: `invoice ${c.invoiceId} settled` });
      expect(settled.status).toBe('credited');
      const mails = s.h.smtp.received.filter((m) => m.messageId === `<${c.workflowId}@test.invoice-distribution.local>`);
      const types = (await history(s.h, c.invoiceId)).map((e) => e.type);
      const [item] = await s.h.sql`SELECT outcome FROM send_run_items WHERE workflow_id = ${c.workflowId}`;
      if (c.undone) {
        tally.undone++;
        expect(mails).toHaveLength(0);
        expect(types).toEqual(['created', 'send_requested', 'send_undone']);
        expect(item.outcome).toBe('undone');
      } else {
        tally.creditedAfterDelivery++;
        // Not undone: the delivery had begun, and it went out once.
        expect(mails).toHaveLength(1);
        expect(types).not.toContain('send_undone');
        expect(types).not.toContain('send_failed');
        expect(types.filter((t) => t === 'sent')).toHaveLength(1);
        expect(types.filter((t) => t === 'credited')).toHaveLength(1);
        // The run counts what happened: the delivery went out.
        expect(item.outcome).toBe('sent');
      }
    }
    console.log(`credit races: ${JSON.stringify(tally)}`);
    // Both sides of the race were really run.
    expect(tally.undone).toBeGreaterThan(0);
    expect(tally.creditedAfterDelivery).toBeGreaterThan(0);
  });
});
