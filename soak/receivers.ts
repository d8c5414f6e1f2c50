// The outside world of a billing day, each part real and each able to fail on cue: an SMTP server,
// the print provider, Pagero, Kivra, and a webhook receiver that checks every signature.
import { startSmtpServer } from '../test/helpers/smtp.js';
import { startProviderServer } from '../test/helpers/provider-server.js';
import { startKivraStandIn } from '../test/helpers/kivra-stand-in.js';
import { receiver } from '../test/helpers/webhook-receiver.js';
import { freePort } from '../platform/free-port.js';

export const KIVRA = { clientId: 'soak-kivra', clientSecret: 'soak-kivra-secret', tenantKey: '5a0c7e1a7e2a4b3c' } as const;
/** Personal identity numbers (checksums valid): one a Kivra user. */
export const KIVRA_USER = '191212121212';

export async function startReceivers() {
  const smtp = await startSmtpServer();
  // What they hold is counted by Idempotency-Key (our delivery id), not by the ids they answer.
  const print = await startProviderServer([{ status: 201, json: { jobId: 'PJ' } }]);
  const pagero = await startProviderServer([{ status: 201, json: { documentId: 'PG' } }]);
  const kivra = await startKivraStandIn({ ...KIVRA, users: [KIVRA_USER] });
  const webhookPort = await freePort();
  let secret = '';
  const webhooks = receiver(webhookPort, () => secret);
  await webhooks.start();
  return {
    smtp,
    print,
    pagero,
    kivra,
    webhooks,
    webhookUrl: `http://127.0.0.1:${webhookPort}/hooks`,
    setWebhookSecret: (s: string) => (secret = s),
    env: {
      SMTP_URL: smtp.url,
      PRINT_PROVIDER_URL: print.url,
      PRINT_PROVIDER_TOKEN: 'soak-print-token',
      PAGERO_API_URL: pagero.url,
      PAGERO_API_TOKEN: 'soak-pagero-token',
      KIVRA_API_URL: kivra.url,
      KIVRA_CLIENT_ID: KIVRA.clientId,
      KIVRA_CLIENT_SECRET: KIVRA.clientSecret,
      WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
    },
    async close() {
      await Promise.all([smtp.close(), print.close(), pagero.close(), kivra.close(), webhooks.stop()]);
    },
  };
}
export type Receivers = Awaited<ReturnType<typeof startReceivers>>;
