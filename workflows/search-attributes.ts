// Typed search attributes so operators can find runs in the Temporal Web UI
// (e.g. `InvoiceNumber = "2026-0042"` or `DeliveryOutcome = "failed"`).
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const InvoiceIdKey = defineSearchAttributeKey('InvoiceId', SearchAttributeType.KEYWORD);
export const InvoiceNumberKey = defineSearchAttributeKey('InvoiceNumber', SearchAttributeType.KEYWORD);
export const CompanyIdKey = defineSearchAttributeKey('CompanyId', SearchAttributeType.KEYWORD);
export const TenantIdKey = defineSearchAttributeKey('TenantId', SearchAttributeType.KEYWORD);
export const SendKindKey = defineSearchAttributeKey('SendKind', SearchAttributeType.KEYWORD);
export const DeliveryMethodKey = defineSearchAttributeKey('DeliveryMethod', SearchAttributeType.KEYWORD);
export const DeliveryOutcomeKey = defineSearchAttributeKey('DeliveryOutcome', SearchAttributeType.KEYWORD);

export const ALL_SEARCH_ATTRIBUTES = [
  InvoiceIdKey,
  InvoiceNumberKey,
  CompanyIdKey,
  TenantIdKey,
  SendKindKey,
  DeliveryMethodKey,
  DeliveryOutcomeKey,
];
