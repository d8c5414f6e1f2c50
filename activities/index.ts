import { ApplicationFailure } from '@temporalio/activity';
import type { Sql } from '../db/client.js';
import type { EmailChannel } from '../channels/email.js';
import { METHOD_LABEL } from '../domain/methods.js';
import { FailureType, type SendRef } from '../workflows/definitions.js';
import { planDelivery, type DeliveryPlan } from './plan-delivery.js';
import { renderDocument } from './render-document.js';
import { deliverEmail } from './deliver-email.js';
import { deliverOwnPrinter } from './deliver-own-printer.js';
import { recordDelivered, recordUndone, restoreAfterFailure } from './record-outcome.js';

export interface ActivityDeps {
  sql: Sql;
  email: EmailChannel;
  mailFrom: string;
}

type DeliverInput = { ref: SendRef; plan: DeliveryPlan; documentId: string };

/** Activities get their dependencies here, so tests and production wire real parts the same way. */
export function createActivities(deps: ActivityDeps) {
  const unavailable = (input: DeliverInput): never => {
    throw ApplicationFailure.nonRetryable(
      `${METHOD_LABEL[input.plan.method]} delivery is not available in this installation yet.`,
      FailureType.ChannelUnavailable,
    );
  };
  return {
    planDelivery: (ref: SendRef) => planDelivery(deps, ref),
    renderDocument: (input: Parameters<typeof renderDocument>[1]) => renderDocument(deps.sql, input),
    deliverEmail: (input: DeliverInput) => deliverEmail(deps, input),
    deliverOwnPrinter: (input: DeliverInput) => deliverOwnPrinter(deps.sql, input),
    deliverCentralPrint: async (input: DeliverInput): Promise<{ externalId: string | null }> => unavailable(input),
    deliverEInvoice: async (input: DeliverInput): Promise<{ externalId: string | null }> => unavailable(input),
    deliverAutogiro: async (input: DeliverInput): Promise<{ externalId: string | null }> => unavailable(input),
    recordDelivered: (input: Parameters<typeof recordDelivered>[1]) => recordDelivered(deps.sql, input),
    recordUndone: (input: Parameters<typeof recordUndone>[1]) => recordUndone(deps.sql, input),
    restoreAfterFailure: (input: Parameters<typeof restoreAfterFailure>[1]) => restoreAfterFailure(deps.sql, input),
  };
}

export type Activities = ReturnType<typeof createActivities>;
