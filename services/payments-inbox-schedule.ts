import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { scanPaymentsInbox } from '../workflows/scan-payments-inbox.js';
import { paymentsTaskQueue } from './payments-task-queue.js';

export const PAYMENTS_INBOX_SCHEDULE = 'payments-inbox';

/**
 * A Temporal schedule scans the payments inbox every minute (one scan at a time); made once, kept
 * across restarts. Its scans (and the files' workflows they start) run on the payments task queue;
 * a schedule made before that existed is moved there.
 */
export async function ensurePaymentsInboxSchedule(client: Client, o: { taskQueue: string; dir: string }): Promise<void> {
  const taskQueue = paymentsTaskQueue(o.taskQueue);
  try {
    await client.schedule.create({
      scheduleId: PAYMENTS_INBOX_SCHEDULE,
      spec: { intervals: [{ every: '1 minute' }] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
      action: { type: 'startWorkflow', workflowType: scanPaymentsInbox, taskQueue, args: [{ dir: o.dir }] },
    });
  } catch (e) {
    if (!(e instanceof ScheduleAlreadyRunning)) throw e;
    const handle = client.schedule.getHandle(PAYMENTS_INBOX_SCHEDULE);
    const { action } = await handle.describe();
    if (action.type === 'startWorkflow' && action.taskQueue !== taskQueue) {
      await handle.update((s) => ({ ...s, action: { ...s.action, taskQueue } }));
    }
  }
}
