// Typed search attributes so operators can find runs in the Temporal Web UI
// (e.g. `InvoiceNumber = "2026-0042"` or `DeliveryOutcome = "failed"`).
// Each key is exactly what `defineSearchAttributeKey(name, 'KEYWORD')` returns; built here from
// a type-only import so that workflow code imports nothing at runtime but @temporalio/workflow.
import type { defineSearchAttributeKey } from '@temporalio/common';

type KeywordKey = ReturnType<typeof defineSearchAttributeKey<'KEYWORD'>>;
const keyword = (name: string): KeywordKey => ({ name, type: 'KEYWORD' });

export const InvoiceIdKey = keyword('InvoiceId');
export const InvoiceNumberKey = keyword('InvoiceNumber');
export const CompanyIdKey = keyword('CompanyId');
export const TenantIdKey = keyword('TenantId');
export const SendKindKey = keyword('SendKind');
export const DeliveryMethodKey = keyword('DeliveryMethod');
export const DeliveryOutcomeKey = keyword('DeliveryOutcome');

export const ALL_SEARCH_ATTRIBUTES = [
  InvoiceIdKey,
  InvoiceNumberKey,
  CompanyIdKey,
  TenantIdKey,
  SendKindKey,
  DeliveryMethodKey,
  DeliveryOutcomeKey,
];
