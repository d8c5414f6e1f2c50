import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { scanUnopenedEmails } from '../workflows/scan-unopened-emails.js';

export const UNOPENED_LETTERS_SCHEDULE = 'unopened-letters';

/**
 * A Temporal schedule runs the unread-e-mail scan once a day at 07:00 Stockholm time, before
 * central print's daily batch (one run at a time; a day missed while the cluster was down is caught
 * up once); made once, kept across restarts.
 */
export async function ensureUnopenedLettersSchedule(client: Client, o: { taskQueue: string; scheduleId?: string }): Promise<void> {
  try {
    await client.schedule.create({
      scheduleId: o.scheduleId ?? UNOPENED_LETTERS_SCHEDULE,
      spec: { calendars: [{ hour: 7, minute: 0 }], timezone: 'Europe/Stockholm' },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
      action: { type: 'startWorkflow', workflowType: scanUnopenedEmails, taskQueue: o.taskQueue, args: [{}] },
    });
  } catch (e) {
    if (!(e instanceof ScheduleAlreadyRunning)) throw e;
  }
}
