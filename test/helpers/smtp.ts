import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { AddressInfo } from 'node:net';

/** A real SMTP server on loopback that keeps what it receives, or answers 4xx a few times, or refuses everything when told to. */
export async function startSmtpServer() {
  // Each with the envelope sender it came with (MAIL FROM), where bounces would go.
  const received: (ParsedMail & { envelopeFrom: string | null; receivedAt: number; raw: Buffer })[] = [];
  // Sessions whose client went away: a message still waiting for its 250 then was never accepted.
  const closed = new Set<string>();
  const state = {
    refuse: false,
    temporaryFailures: 0,
    /** Runs after a message arrived (on the SMTP session named) and before the server answers 250 for it. */
    beforeAccept: null as ((sessionId: string) => Promise<void>) | null,
    /** Until this instant every recipient is answered with a temporary failure (421 or 451). */
    unavailableUntil: 0,
    /** Until this instant the connection is dropped once a message's data has arrived, before any answer. */
    dropInDataUntil: 0,
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onClose(session) {
      closed.add(session.id);
    },
    onRcptTo(address, _session, callback) {
      if (Date.now() < state.unavailableUntil) {
        const code = Math.random() < 0.5 ? 421 : 451;
        const err = new Error(code === 421 ? '4.3.0 Service not available' : '4.3.2 Try again later') as Error & { responseCode: number };
        err.responseCode = code;
        return callback(err);
      }
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
    onData(stream, session, callback) {
      // The bytes as they came (a message's MIME structure), then parsed.
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      new Promise<Buffer>((resolve, reject) => stream.on('end', () => resolve(Buffer.concat(chunks))).on('error', reject))
        .then(async (raw) => [await simpleParser(raw), raw] as const)
        .then(async ([mail, raw]) => {
          if (Date.now() < state.dropInDataUntil) {
            // No answer to the DATA: the client cannot know, so the message counts as not accepted.
            closed.add(session.id);
            for (const c of (server as unknown as { connections: Set<{ id: string; _socket: { destroy(): void } }> }).connections) {
              if (c.id === session.id) c._socket.destroy();
            }
            return;
          }
          await state.beforeAccept?.(session.id);
          const from = session.envelope.mailFrom;
          if (!closed.has(session.id)) received.push(Object.assign(mail, { envelopeFrom: from ? from.address : null, receivedAt: Date.now(), raw }));
          callback();
        })
        .catch(callback);
    },
  });
  // A client killed mid-transaction resets its connection: that is the client's fault, not the server's.
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    /** Ids of the sessions whose client has gone. */
    closed: closed as ReadonlySet<string>,
    state,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
