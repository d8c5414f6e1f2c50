import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { workflowIdFromVerp } from '../domain/verp.js';
import { receiveBounce, type BounceDeps } from '../services/receive-bounce.js';

const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

/**
 * The SMTP listener bounces come back to (BOUNCE_SMTP_PORT): it takes mail only for the VERP
 * addresses of our deliveries and answers 250 once the message is handled — a report it cannot
 * use is logged and dropped, so no remote server retries it forever; 451 if it could not be recorded.
 */
export async function startBounceListener(deps: BounceDeps, o: { port: number; host: string }) {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    size: MAX_MESSAGE_BYTES,
    logger: false,
    onRcptTo(address, _session, callback) {
      if (!workflowIdFromVerp(address.address)) {
        const err = new Error('5.1.1 No such mailbox here') as Error & { responseCode: number };
        err.responseCode = 550;
        return callback(err);
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const rcpt = session.envelope.rcptTo.map((r) => r.address);
        receiveBounce(deps, Buffer.concat(chunks), rcpt).then(
          () => callback(),
          (err) => {
            // Not recorded (the database is away): 451, and the remote server tries again later.
            deps.log?.(`bounce could not be recorded now: ${(err as Error).message}`);
            const temporary = new Error('4.3.0 Try again later') as Error & { responseCode: number };
            temporary.responseCode = 451;
            callback(temporary);
          },
        );
      });
    },
  });
  server.on('error', (err) => deps.log?.(`bounce listener: ${err.message}`));
  await new Promise<void>((resolve) => server.listen(o.port, o.host, resolve));
  return {
    port: (server.server.address() as AddressInfo).port,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
