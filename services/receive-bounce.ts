import type { Sql } from '../db/client.js';
import { parseDeliveryStatus } from '../channels/delivery-status.js';
import { recordBounce, type BounceOutcome } from './record-bounce.js';
import type { SendStarter } from './send-starter.js';

export interface BounceDeps {
  sql: Sql;
  starter: SendStarter;
  log?: (msg: string) => void;
}

/** A message that came back: a DSN for one of our e-mails is recorded; anything else is logged and dropped. */
export async function receiveBounce(deps: BounceDeps, raw: Buffer | string, envelopeTo: string[] = []): Promise<BounceOutcome | 'malformed'> {
  const dsn = await parseDeliveryStatus(raw, envelopeTo);
  if (!dsn) {
    deps.log?.('inbound message is not a delivery status notification for one of our e-mails; dropped');
    return 'malformed';
  }
  return recordBounce(deps, dsn);
}
