/** Starts the HTTP server for a vault. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Vault } from '../library/vault.js';
import { createApp } from './app.js';

export interface RunningServer {
  server: http.Server;
  url: string;
  close(): Promise<void>;
}

export async function startServer(vault: Vault, options: { host: string; port: number; token: string | null }): Promise<RunningServer> {
  const app = createApp(vault, { host: options.host, token: options.token });
  const server = http.createServer(app.callback());
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    server,
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
