import { createServer } from 'node:http';
import { exposition, EXPOSITION_CONTENT_TYPE, registry } from './metrics.js';

/** A worker's metrics port: GET /metrics, this process's counters and the Temporal SDK's own. */
export function startMetricsServer(o: { port: number; host: string; sdkMetricsUrl: string | null }): Promise<{ port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('GET /metrics\n');
      return;
    }
    exposition([registry], o.sdkMetricsUrl).then(
      (text) => res.writeHead(200, { 'content-type': EXPOSITION_CONTENT_TYPE }).end(text),
      (err) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err)),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      const address = server.address();
      resolve({
        port: typeof address === 'object' && address ? address.port : o.port,
        close: () => new Promise((r) => server.close(() => r())),
      });
    });
  });
}
