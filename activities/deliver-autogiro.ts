import { writePrivateFile } from '../platform/private-files.js';
import { nextBankDay } from '../domain/bank-days.js';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import type { Sql } from '../db/client.js';
import { openingRecord, paymentFile, withdrawalRecord } from '../channels/autogiro-file.js';
import { stockholmToday } from '../domain/dates.js';
import { FailureType, type SendRef } from '../domain/send.js';
import { beginDelivery, finishDelivery } from './deliveries.js';
import type { DeliveryPlan } from './plan-delivery.js';

export function autogiroFilePath(dir: string, companyId: string, customerNumber: string, date: string): string {
  return path.join(dir, companyId, `autogiro-${customerNumber.padStart(6, '0')}-${date.replace(/-/g, '')}.txt`);
}

/**
 * Autogiro: adds a TK82 withdrawal for the invoice to the company's payment-order file of the
 * day. The records live in the database (one per delivery id); the file is rewritten from them
 * under a per-file lock, atomically, so concurrent deliveries never lose each other's records.
 */
export async function deliverAutogiro(
  deps: { sql: Sql; autogiroOutboxDir: string },
  input: { ref: SendRef; plan: DeliveryPlan; documentId: string },
): Promise<{ externalId: string | null }> {
  const { ref, plan, documentId } = input;
  if (ref.kind === 'reminder') throw ApplicationFailure.nonRetryable('Autogiro cannot carry payment reminders.', FailureType.NoEligibleMethod);
  if (!plan.payerNumber) throw ApplicationFailure.nonRetryable('The payer has no active Autogiro mandate.', FailureType.InvalidRecipient);
  const started = await beginDelivery(deps.sql, ref, { method: 'autogiro', recipient: plan.recipient, documentId, customerName: plan.customerName, plan });
  if (started.alreadyDelivered) return { externalId: started.externalId };

  const today = stockholmToday();
  return deps.sql.begin(async (tx) => {
    const [inv] = await tx`
      SELECT i.company_id, i.due_date, i.total_amount, i.ocr, c.bankgiro, c.autogiro_customer_number
      FROM invoices i JOIN companies c ON c.id = i.company_id
      WHERE i.id = ${ref.invoiceId} AND i.tenant_id = ${ref.tenantId}`;
    if (!inv.bankgiro || !inv.autogiro_customer_number) {
      throw ApplicationFailure.nonRetryable('The company has no Autogiro customer number or bankgiro.', FailureType.InvalidRecipient);
    }
    // The payment date is the due date, moved to the next bank day; one already passed is drawn as soon as possible.
    const bankDay = nextBankDay(inv.due_date);
    const paymentDate = bankDay > today ? bankDay : 'GENAST';
    let record: string;
    try {
      record = withdrawalRecord({ paymentDate, payerNumber: plan.payerNumber!, amountOre: Number(inv.total_amount), bankgiro: inv.bankgiro, reference: inv.ocr });
    } catch (err) {
      // The same fields give the same error on every retry.
      throw ApplicationFailure.nonRetryable(`The Autogiro withdrawal could not be written: ${(err as Error).message}.`, FailureType.DeliveryFailed);
    }
    await tx`SELECT pg_advisory_xact_lock(hashtext(${`autogiro:${inv.company_id}:${today}`}))`;
    await tx`
      INSERT INTO autogiro_records (workflow_id, tenant_id, company_id, invoice_id, file_date, record)
      VALUES (${ref.workflowId}, ${ref.tenantId}, ${inv.company_id}, ${ref.invoiceId}, ${today}, ${record})
      ON CONFLICT (workflow_id) DO NOTHING`;
    const rows = await tx`SELECT record FROM autogiro_records WHERE company_id = ${inv.company_id} AND file_date = ${today} ORDER BY created_at, workflow_id`;
    const file = autogiroFilePath(deps.autogiroOutboxDir, inv.company_id, inv.autogiro_customer_number, today);
    const content = paymentFile(openingRecord({ date: today, customerNumber: inv.autogiro_customer_number, bankgiro: inv.bankgiro }), rows.map((r) => r.record));
    await writePrivateFile(file, content, { encoding: 'latin1', atomic: true });
    await finishDelivery(tx, ref.workflowId, path.basename(file));
    return { externalId: path.basename(file) };
  });
}
