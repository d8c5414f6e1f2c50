// Personal data in the outbox folders (issue 23): without provider endpoints every channel writes
// what its counterpart would receive — the print PDF and manifest, the Kivra content, the UBL file,
// the Autogiro payment file, an e-mail as .eml. The export lists each file holding the person's
// data; the erasure leaves none of it there (text files keep their shape, copies of kept documents
// become the word alone).
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Harness } from './helpers/harness.js';
import { useTestService, type TestService } from './helpers/service.js';
import { searchFiles, searchTables } from './helpers/personal-data-search.js';
import { createEmailChannel } from '../channels/email.js';

const PIN = '198112189876';
const PERSON = {
  name: 'Ove Utkorgsson',
  email: 'ove.utkorgsson@example.se',
  address: { street: 'Blåbärsvägen 12', postalCode: '981 38', city: 'Kiruna', country: 'SE' },
  personalIdentityNumber: PIN,
};
const PIECES = [PERSON.name, PERSON.email, PERSON.address.street, PERSON.address.postalCode, PERSON.address.city, PIN, `${PIN.slice(0, 8)}-${PIN.slice(8)}`];

let h: Harness;
let key: string;
let f: TestService['f'];
useTestService((s) => ({ h, key, f } = s));

async function send(invoiceIds: string[]) {
  const res = await h.request('POST', '/v1/invoices/send', { key, body: { invoiceIds } });
  expect(res.status, res.text).toBe(202);
  const out: Record<string, string> = {};
  for (const r of res.json.results) {
    expect(r.accepted, JSON.stringify(r)).toBe(true);
    await h.client.workflow.getHandle(r.workflowId).result();
    out[r.invoiceId] = r.workflowId;
  }
  return out;
}

describe('personal data in the outbox', () => {
  it('lists every outbox file holding the person’s data, and erases it from each', async () => {
    const personId = await f.person(PERSON);
    const printCo = await f.company({ activeMethods: ['central_print'], defaultMethod: 'central_print' });
    const kivraCo = await f.company({ activeMethods: ['kivra'], defaultMethod: 'kivra' }, { kivraTenantKey: '13443459078e31ba8630e2e9842906c7baf38b131e' });
    const agCo = await f.company({ activeMethods: ['autogiro'], defaultMethod: 'autogiro' }, { autogiroCustomerNumber: '4711' });
    const emailCo = await f.company({ activeMethods: ['email'], defaultMethod: 'email' });
    expect((await h.request('POST', `/v1/companies/${agCo}/autogiro-mandates`, { key, body: { personId, payerNumber: PIN, status: 'active' } })).status).toBe(201);
    const invoices = [
      await f.invoice(printCo, personId),
      await f.invoice(kivraCo, personId),
      await f.invoice(agCo, personId, { dueDate: '2026-12-28' }),
      await f.invoice(emailCo, personId),
    ];
    const workflows = await send(invoices.map((i) => i.id));
    // The e-mail as the outbox would hold it without an SMTP server, written by the channel itself.
    const emailWorkflow = workflows[invoices[3].id];
    await createEmailChannel({ smtpUrl: null, outboxDir: path.join(h.outboxDir, 'email') }).send({
      from: { name: 'Friskvården Gym AB', address: 'invoices@test.invoice-distribution.local' },
      replyTo: null,
      to: PERSON.email,
      subject: `Faktura ${invoices[3].number}`,
      text: `Hej ${PERSON.name}!\n\nFakturan till ${PERSON.address.street}, ${PERSON.address.postalCode} ${PERSON.address.city}.`,
      attachment: { filename: `faktura-${invoices[3].number}.pdf`, content: Buffer.from('%PDF-1.4 test') },
      messageId: `<${emailWorkflow}@test.invoice-distribution.local>`,
    });
    for (const inv of invoices) expect((await h.request('POST', `/v1/invoices/${inv.id}/mark-paid`, { key, body: {} })).status).toBe(200);

    const before = await searchFiles(h, PIECES);
    const folders = [...before.keys()].map((p) => p.split(path.sep)[1]).sort();
    expect(folders).toEqual(['autogiro', 'email', 'kivra', 'print']);
    const exported = await h.request('GET', `/v1/persons/${personId}/personal-data`, { key });
    expect(exported.status, exported.text).toBe(200);
    const listed = exported.json.places.files as { path: string; delivery: boolean }[];
    expect(listed.map((x) => x.path)).toEqual(expect.arrayContaining([...before.keys()]));
    // The print PDF is the delivery's own file, listed by its name even where its text is compressed.
    const printWorkflow = workflows[invoices[0].id];
    expect(listed).toContainEqual(expect.objectContaining({ path: expect.stringContaining(`${printWorkflow}.pdf`), delivery: true }));

    const erased = await h.request('POST', `/v1/persons/${personId}/erase`, { key, body: { reason: 'Begäran' } });
    expect(erased.status, erased.text).toBe(200);
    expect([...(await searchFiles(h, PIECES)).entries()]).toEqual([]);
    expect([...(await searchTables(h, PIECES)).entries()]).toEqual([]);

    // Text files keep their shape: the manifest is JSON, the Autogiro records 80 characters.
    const manifest = JSON.parse(await readFile(path.join(h.outboxDir, 'print', `${printWorkflow}.json`), 'utf8'));
    expect(manifest.recipient).toMatchObject({ name: '[raderad]', street: '[raderad]', city: '[raderad]' });
    expect(manifest.invoiceNumber).toBe(invoices[0].number);
    const kivraFile = JSON.parse(await readFile(path.join(h.outboxDir, 'kivra', `${workflows[invoices[1].id]}.json`), 'utf8'));
    expect(kivraFile.content.ssn).toBe('[raderad]');
    const [agFile] = await readdir(path.join(h.outboxDir, 'autogiro', agCo));
    const lines = (await readFile(path.join(h.outboxDir, 'autogiro', agCo, agFile), 'latin1')).split('\r\n').filter(Boolean);
    expect(lines.every((l) => l.length === 80)).toBe(true);
    // Copies of kept documents (the PDF, the e-mail with it attached) are the word alone.
    expect(await readFile(path.join(h.outboxDir, 'print', `${printWorkflow}.pdf`), 'utf8')).toBe('[raderad]\n');
    const [eml] = (await readdir(path.join(h.outboxDir, 'email'))).filter((n) => n.includes(emailWorkflow));
    expect(await readFile(path.join(h.outboxDir, 'email', eml), 'utf8')).toBe('[raderad]\n');
    // The database keeps the issued documents.
    expect((await h.sql`SELECT count(*)::int AS n FROM documents WHERE invoice_id = ANY(${invoices.map((i) => i.id)}::text[])`)[0].n).toBe(4);
  });
});
