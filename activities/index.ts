import path from 'node:path';
import { Context } from '@temporalio/activity';
import type { Sql } from '../db/client.js';
import type { EmailChannel } from '../channels/email.js';
import type { PrintProvider } from '../channels/print-provider.js';
import type { EInvoiceChannel } from '../channels/pagero.js';
import type { KivraChannel } from '../channels/kivra.js';
import type { SendRef } from '../domain/send.js';
import { planDelivery, type DeliveryPlan } from './plan-delivery.js';
import { renderDocument } from './render-document.js';
import { deliverEmail } from './deliver-email.js';
import { deliverOwnPrinter } from './deliver-own-printer.js';
import { deliverCentralPrint } from './deliver-central-print.js';
import { deliverEInvoice } from './deliver-e-invoice.js';
import { deliverAutogiro } from './deliver-autogiro.js';
import { deliverKivra } from './deliver-kivra.js';
import { creditAfterSend, recordDelivered } from './record-outcome.js';
import { creditSend, markUndone, restoreAfterFailure } from '../db/invoice-state.js';
import { sendDocument, type Channel } from './send-document.js';
import type { Method } from '../domain/methods.js';
import { withDatabaseErrorsClassified } from './database-errors.js';
import { withHeartbeats } from './keep-alive.js';
import { SendCache } from './send-cache.js';
import { createLogger, type Logger } from '../platform/logger.js';
import { applyPaymentFile, type PaymentFileRef } from '../services/apply-payment-file.js';
import { collectInboxFiles } from '../services/payments-inbox.js';
import { scanUnopenedEmails } from '../services/unopened-letters.js';
import { personalDataFiles } from '../services/personal-data-files.js';
import { deleteExpiredRetention } from '../services/personal-data.js';
import type { SendStarter } from '../services/send-starter.js';
import { deliverWebhook, deliverWebhookBatch, giveUpWebhookEvent, nextWebhookEvents, type QueuedWebhookEvent, type WebhookRef } from './deliver-webhook.js';

export interface ActivityDeps {
  sql: Sql;
  email: EmailChannel;
  mailFrom: string;
  /** Envelope sender base for VERP; unset: no envelope sender of our own. */
  bounceAddress?: string;
  /** Where customers reach the invoice page (PUBLIC_BASE_URL); unset: the environment's. */
  publicBaseUrl?: string;
  print: PrintProvider;
  eInvoice: EInvoiceChannel;
  kivra: KivraChannel;
  autogiroOutboxDir: string;
  /** Test seam: called when the SMTP server has accepted an e-mail and that is recorded. */
  afterEmailAccepted?: (workflowId: string) => void;
  /** One per worker process; made here when not given. */
  cache?: SendCache;
  /** Where a send's events are logged as JSON lines; warnings only when not given. */
  logger?: Logger;
  /** The outbox folder of every channel (`./data/outbox`); unset: the folder holding the Autogiro outbox. */
  outboxDir?: string;
  /** Starts the sends a payment file asks for (after a failed Autogiro withdrawal); else a reconciler starts them after their lease. */
  starter?: Pick<SendStarter, 'enqueue'>;
}

/** What every log line of a send carries: ids only, never an address or a name. */
const sendFields = (ref: SendRef) => ({
  workflowId: ref.workflowId, invoiceId: ref.invoiceId, tenantId: ref.tenantId, kind: ref.kind,
  sendRunId: ref.requestId, requestId: ref.httpRequestId ?? undefined,
});


/** Activities get their dependencies here, so tests and production wire real parts the same way. */
export function createActivities(activityDeps: ActivityDeps) {
  const deps = { ...activityDeps, cache: activityDeps.cache ?? new SendCache() };
  const log = deps.logger ?? createLogger({ name: 'worker', level: process.env.LOG_LEVEL ?? 'warn' });
  const planned = (ref: SendRef, plan: DeliveryPlan) =>
    log.info({ ...sendFields(ref), method: plan.method, choice: plan.choice, passedOver: plan.rejected.map((r) => r.code ?? r.method) }, 'delivery planned');
  const channels: Record<Method, Channel> = {
    email: (input) => deliverEmail(deps, input),
    own_printer: (input) => deliverOwnPrinter(deps.sql, input),
    central_print: (input) => deliverCentralPrint(deps, input),
    e_invoice: (input) => deliverEInvoice(deps, input),
    autogiro: (input) => deliverAutogiro(deps, input),
    kivra: (input) => deliverKivra(deps, input),
  };
  return withDatabaseErrorsClassified({
    sendDocument: withHeartbeats(async (ref: SendRef) => {
      const sent = await sendDocument({ ...deps, channels, planned }, ref, { retry: Context.current().info.attempt > 1 });
      if (sent.outcome === 'sent') log.info({ ...sendFields(ref), method: sent.method, externalId: sent.externalId ?? undefined }, 'delivered');
      else log.info(sendFields(ref), 'send undone within the undo window');
      return sent;
    }),
    /**
     * A credit signalled to a send by another system, decided in the database as the API decides
     * it; when the delivery has begun, the send credits the invoice once it has ended (`afterSend`).
     */
    creditSignalled: async (input: { ref: SendRef; reason: string | null }): Promise<{ undone: boolean; afterSend: boolean }> => {
      const { ref } = input;
      const outcome = await creditSend(deps.sql, { tenantId: ref.tenantId, invoiceId: ref.invoiceId, reason: input.reason, workflowId: ref.workflowId, deferIfBegun: true });
      return { undone: outcome.kind === 'undone', afterSend: outcome.kind === 'begun' };
    },
    planDelivery: async (ref: SendRef) => {
      const plan = await planDelivery(deps, ref);
      planned(ref, plan);
      return plan;
    },
    renderDocument: (input: Parameters<typeof renderDocument>[1]) => renderDocument(deps.sql, input, deps.cache),
    // The steps one by one, as runs started before sendDocument schedule them.
    deliverEmail: withHeartbeats(channels.email),
    deliverOwnPrinter: withHeartbeats(channels.own_printer),
    deliverCentralPrint: withHeartbeats(channels.central_print),
    deliverEInvoice: withHeartbeats(channels.e_invoice),
    deliverAutogiro: withHeartbeats(channels.autogiro),
    deliverKivra: withHeartbeats(channels.kivra),
    recordDelivered: async (input: Parameters<typeof recordDelivered>[1]) => {
      await recordDelivered(deps.sql, input);
      log.info({ ...sendFields(input.ref), method: input.plan.method, externalId: input.externalId ?? undefined }, 'delivered');
    },
    recordUndone: async (input: Parameters<typeof markUndone>[1]): Promise<void> => {
      await markUndone(deps.sql, input);
      log.info(sendFields(input.ref), 'send undone within the undo window');
    },
    restoreAfterFailure: async (input: Parameters<typeof restoreAfterFailure>[1]) => {
      const restored = await restoreAfterFailure(deps.sql, input);
      log.warn({ ...sendFields(input.ref), error: input.code }, 'send failed; invoice restored');
      return restored;
    },
    creditAfterSend: (input: Parameters<typeof creditAfterSend>[1]) => creditAfterSend(deps.sql, input),
    nextWebhookEvents: (ref: WebhookRef) => nextWebhookEvents(deps.sql, ref),
    deliverWebhook: (input: WebhookRef & QueuedWebhookEvent) => deliverWebhook(deps.sql, input),
    deliverWebhookBatch: (ref: WebhookRef) => deliverWebhookBatch(deps.sql, ref),
    giveUpWebhookEvent: (input: WebhookRef & QueuedWebhookEvent) => giveUpWebhookEvent(deps.sql, input),
    /** The daily unread-e-mail scan (services/unopened-letters.ts): letters for e-mails not opened in time. */
    scanUnopenedEmails: (input: { today?: string }) =>
      scanUnopenedEmails({ sql: deps.sql, starter: deps.starter ?? { enqueue: () => {} } }, input),
    collectInboxFiles: (o: { dir: string }) => collectInboxFiles(deps.sql, o.dir, (m) => log.warn(m)),
    personalDataFiles: withHeartbeats((input: { tenantId: string; personId: string; erase: boolean }) =>
      personalDataFiles({ sql: deps.sql, outboxDirs: [deps.outboxDir ?? path.dirname(deps.autogiroOutboxDir), deps.autogiroOutboxDir] }, input)),
    deleteExpiredRetention: async (input: { today: string }) => {
      const done = await deleteExpiredRetention(deps.sql, input.today);
      if (done.deleted) log.info({ documents: done.documents, histories: done.histories, today: input.today }, 'retention ended: kept documents and history deleted');
      return done;
    },
    applyPaymentFile: withHeartbeats((ref: PaymentFileRef) => applyPaymentFile({ sql: deps.sql, starter: deps.starter ?? { enqueue: () => {} } }, ref)),
  });
}

export type Activities = ReturnType<typeof createActivities>;
