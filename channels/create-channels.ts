import path from 'node:path';
import type { Config } from '../config.js';
import { createEmailChannel } from './email.js';
import { createPrintProvider } from './print-provider.js';
import { createEInvoiceChannel } from './pagero.js';
import { createKivraChannel } from './kivra.js';

/** The channel adapters as configured by the environment: real endpoints when set, else the outbox folders. */
export function createChannels(config: Config) {
  return {
    email: createEmailChannel({ smtpUrl: config.smtpUrl, outboxDir: path.join(config.outboxDir, 'email') }),
    mailFrom: config.mailFrom,
    bounceAddress: config.bounceAddress,
    publicBaseUrl: config.publicBaseUrl,
    print: createPrintProvider({ url: config.printProviderUrl, token: config.printProviderToken, outboxDir: path.join(config.outboxDir, 'print') }),
    eInvoice: createEInvoiceChannel({ url: config.pageroApiUrl, token: config.pageroApiToken, outboxDir: path.join(config.outboxDir, 'einvoice') }),
    kivra: createKivraChannel({ url: config.kivraApiUrl, clientId: config.kivraClientId, clientSecret: config.kivraClientSecret, outboxDir: path.join(config.outboxDir, 'kivra') }),
    autogiroOutboxDir: config.autogiroOutboxDir,
  };
}
