// Runs in flight outlive deploys: every recorded history (test/replay/histories, one per path of
// the send workflow and per workflow version that recorded it) must replay against the current
// workflow code without a non-determinism error. `npm run record-histories` adds new ones.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, inject, it } from 'vitest';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';

const DIR = path.join(import.meta.dirname, 'replay', 'histories');
const PATHS = ['sent-email', 'undone-update', 'undone-signal', 'failed-restored', 'no-eligible-method', 'fallback-own-printer', 'sent-central-print', 'reminder-sent'];

it('replays every recorded history of the send and webhook workflows against the current code', async () => {
  const files = (await readdir(DIR)).filter((f) => f.endsWith('.json')).sort();
  // Every path is covered by each recorded version: v1 the first, v2 patched late credit, update
  // validator and snake_case codes, v3 local bookkeeping and one search-attribute update, v4 (current)
  // the request id in the send's reference and the OpenTelemetry workflow interceptors (and Kivra, a
  // new delivery activity that only a Kivra send schedules, so no patch).
  for (const p of PATHS) expect(files).toContain(`v1-${p}.json`);
  for (const p of [...PATHS, 'late-credit']) expect(files).toContain(`v2-${p}.json`);
  for (const p of [...PATHS, 'late-credit']) expect(files).toContain(`v3-${p}.json`);
  for (const p of [...PATHS, 'late-credit', 'sent-kivra']) expect(files).toContain(`v4-${p}.json`);
  // v5 (current): the undo window held by the server (a start delay), one activity that plans,
  // renders, delivers and records, credits decided in the database (runs of this shape branch on
  // `serverHeldWindow` in their input, so v1–v4 runs replay their own code unchanged).
  for (const p of [...PATHS, 'late-credit', 'sent-kivra']) expect(files).toContain(`v5-${p}.json`);
  // The webhook workflow: a delivery refused once then made, an idle poll, the end at deletion.
  expect(files).toContain('webhooks-v1-retried-then-deleted.json');
  // webhooks-v2 (current): the events delivered in batches, one activity for many (behind a patch).
  expect(files).toContain('webhooks-v2-retried-then-deleted.json');
  // The payment-file workflows: an inbox scan starting a file's workflow, and that workflow applying it.
  expect(files).toContain('payments-v1-inbox-scan.json');
  expect(files).toContain('payments-v1-apply-file.json');

  const histories = await Promise.all(
    files.map(async (file) => ({ workflowId: file, history: historyFromJSON(JSON.parse(await readFile(path.join(DIR, file), 'utf8'))) })),
  );
  const results: { file: string; error: string | null }[] = [];
  for await (const r of Worker.runReplayHistories({ workflowBundle: { codePath: inject('workflowBundlePath') } }, histories)) {
    results.push({ file: r.workflowId, error: r.error ? String(r.error) : null });
  }
  expect(results).toEqual(files.map((file) => ({ file, error: null })));
});
