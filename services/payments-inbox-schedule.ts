import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { scanPaymentsInbox } from '../workflows/scan-payments-inbox.js';

export const PAYMENTS_INBOX_SCHEDULE = 'payments-inbox';

/** A Temporal schedule scans the payments inbox every minute (one scan at a time); made once, kept across restarts. */
export async function ensurePaymentsInboxSchedule(client: Client, o: { taskQueue: string; dir: string }): Promise<void> {
  try {
    await client.schedule.create({
      scheduleId: PAYMENTS_INBOX_SCHEDULE,
      spec: { intervals: [{ every: '1 minute' }] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
      action: { type: 'startWorkflow', workflowType: scanPaymentsInbox, taskQueue: o.taskQueue, args: [{ dir: o.dir }] },
    });
  } catch (e) {
    if (!(e instanceof ScheduleAlreadyRunning)) throw e;
  }
}
