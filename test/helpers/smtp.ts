import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { AddressInfo } from 'node:net';

/** A real SMTP server on loopback that keeps what it receives, or answers 4xx a few times, or refuses everything when told to. */
export async function startSmtpServer() {
  const received: ParsedMail[] = [];
  const state = {
    refuse: false,
    temporaryFailures: 0,
    /** Runs after a message arrived and before the server answers 250 for it. */
    beforeAccept: null as (() => Promise<void>) | null,
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (state.temporaryFailures > 0) {
        state.temporaryFailures--;
        const err = new Error('4.3.2 Try again later') as Error & { responseCode: number };
        err.responseCode = 451;
        return callback(err);
      }
      if (state.refuse) {
        const err = new Error(`5.7.1 Recipient ${address.address} refused by policy`) as Error & { responseCode: number };
        err.responseCode = 550;
        return callback(err);
      }
      callback();
    },
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then(async (mail) => {
          received.push(mail);
          await state.beforeAccept?.();
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    state,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
