import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { applyPersonalDataRetention } from '../workflows/personal-data-retention.js';

export const PERSONAL_DATA_RETENTION_SCHEDULE = 'personal-data-retention';

/**
 * A Temporal schedule runs the retention job once a day at 02:30 Stockholm time (one run at a
 * time; a day missed while the cluster was down is caught up once); made once, kept across restarts.
 */
export async function ensurePersonalDataRetentionSchedule(client: Client, o: { taskQueue: string; scheduleId?: string }): Promise<void> {
  try {
    await client.schedule.create({
      scheduleId: o.scheduleId ?? PERSONAL_DATA_RETENTION_SCHEDULE,
      spec: { calendars: [{ hour: 2, minute: 30 }], timezone: 'Europe/Stockholm' },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
      action: { type: 'startWorkflow', workflowType: applyPersonalDataRetention, taskQueue: o.taskQueue, args: [{}] },
    });
  } catch (e) {
    if (!(e instanceof ScheduleAlreadyRunning)) throw e;
  }
}
