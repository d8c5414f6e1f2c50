// VERP (variable envelope return path): the envelope sender names the delivery, so a bounce
// that comes back to it says which e-mail bounced, whatever the remote server puts in its report.

/** bounces@example.com + send-inv_…-01… → bounces+send-inv_…-01…@example.com */
export function verpAddress(bounceAddress: string, workflowId: string): string {
  const at = bounceAddress.lastIndexOf('@');
  return `${bounceAddress.slice(0, at)}+${workflowId}${bounceAddress.slice(at)}`;
}

/** The workflow id a VERP address names, or null. Workflow ids are [A-Za-z0-9_-] only. */
export function workflowIdFromVerp(address: string): string | null {
  const m = /\+((?:send|remind)-[A-Za-z0-9_-]+)@/.exec(address);
  return m ? m[1] : null;
}
