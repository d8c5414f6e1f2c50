import type { Queryable } from './client.js';

// SET-clause fragments for the in-flight send recorded on an invoice row (pending_* and
// previous_*), shared by everything that ends a send: delivered, undone, failed, paid, credited.

/** Forgets the send in flight and what it would have restored. */
export const clearPendingSend = (sql: Queryable) => sql`
  pending_workflow_id = NULL, pending_kind = NULL, pending_template_id = NULL, pending_request_id = NULL,
  pending_since = NULL, pending_undo_until = NULL,
  previous_status = NULL, previous_reminder_count = NULL, previous_reminder_date = NULL,
  updated_at = now()`;

/** Gives a reminder that never went out its count and date back; leaves an invoice send as it is. */
export const restoreReminderCounters = (sql: Queryable) => sql`
  reminder_count = CASE WHEN pending_kind = 'reminder' THEN previous_reminder_count ELSE reminder_count END,
  reminder_date = CASE WHEN pending_kind = 'reminder' THEN previous_reminder_date ELSE reminder_date END`;
