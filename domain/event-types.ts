/** Event types of the feed and of webhooks (API.md), plus one per other history entry type. */
export const EVENT_TYPES = [
  'invoice.created',
  'invoice.send_requested',
  'invoice.sent',
  'invoice.send_failed',
  'invoice.send_undone',
  'invoice.reminder_requested',
  'invoice.reminder_sent',
  'invoice.reminder_failed',
  'invoice.credited',
  'invoice.paid',
  'invoice.email_updated',
  'invoice.delivery_bounced',
  'invoice.delivery_delayed',
  'invoice.bounce_fallback',
  'send_run.completed',
  'webhook.test',
] as const;
