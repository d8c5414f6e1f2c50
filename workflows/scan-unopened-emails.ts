import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { ScanOutcome } from '../services/unopened-letters.js';

// Daily and idempotent (a letter's send run is keyed by its e-mail's delivery): generous
// retries, a late or repeated scan sends nothing twice.
const scan = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '10 seconds', maximumInterval: '5 minutes', maximumAttempts: 10 },
});

/**
 * Run daily by the `unopened-letters` schedule: e-mailed invoices neither viewed, paid nor
 * credited their company's `unopenedLetterAfterBankDays` bank days after the e-mail are sent as
 * letters (central print, else own printer). `today` for a run asked for by hand; else the
 * Stockholm date when the scan runs.
 */
export async function scanUnopenedEmails(input: { today?: string } = {}): Promise<ScanOutcome> {
  return scan.scanUnopenedEmails(input);
}
