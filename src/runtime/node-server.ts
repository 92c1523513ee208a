// How `npm start` listens: HTTP, or HTTPS when a certificate is configured; slow clients bounded (header
// and request timeouts, a connection cap) instead of Node's 60 s / 300 s defaults with no cap; and a
// bounded graceful drain on shutdown, so requests in flight finish instead of being reset.
import { serve } from '@hono/node-server';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { isIP, type AddressInfo } from 'node:net';
import { answerPerTurn, type FetchHandler } from './answer-per-turn.ts';

export interface ServerLimits {
  /** Time a client has to send all request headers (408 and close after). */
  headersTimeoutMs: number;
  /** Time a client has to send the whole request, body included. */
  requestTimeoutMs: number;
  /** Idle time before a keep-alive connection is closed. */
  keepAliveTimeoutMs: number;
  /** Connections open at once; more are closed as they arrive. */
  maxConnections: number;
}

export const DEFAULT_SERVER_LIMITS: ServerLimits = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000, maxConnections: 1024 };

export interface TlsFiles {
  certPath: string;
  keyPath: string;
}

export interface ListenOptions {
  host: string;
  port: number;
  tls?: TlsFiles;
  limits: ServerLimits;
}

/** `http://127.0.0.1:8787`, `https://[::1]:8787`: IPv6 literals in brackets (RFC 3986). */
export function listenUrl(host: string, port: number, tls: boolean): string {
  return `${tls ? 'https' : 'http'}://${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

/** Whether only this machine can reach `host`. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '::ffff:127.0.0.1';
}

/** The warning printed when requests, signed but readable (plaintexts, data keys), would cross a network in the clear. */
export function plainHttpWarning(host: string, tls: boolean): string | undefined {
  if (tls || isLoopback(host)) return undefined;
  return `warning: HOST=${host} serves plain HTTP beyond this machine; request and response bodies (plaintexts, data keys) cross the network readable. Set EDGEKMS_TLS_CERT and EDGEKMS_TLS_KEY, or put a TLS proxy in front.`;
}

/** Starts listening; `onListening` gets the URL once connections are accepted. */
export function listen(fetch: FetchHandler, options: ListenOptions, onListening: (url: string) => void): Server {
  const { limits, tls } = options;
  const timeouts = {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // Timeouts are enforced by a periodic check (30 s by default): check often enough to honour them.
    connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
  };
  const serverOptions = tls ? { ...timeouts, cert: readFileSync(tls.certPath), key: readFileSync(tls.keyPath) } : timeouts;
  const server = serve(
    { fetch: answerPerTurn(fetch), hostname: options.host, port: options.port, serverOptions, ...(tls ? { createServer: createHttpsServer } : {}) },
    (info: AddressInfo) => onListening(listenUrl(options.host, info.port, tls !== undefined)),
  ) as Server;
  server.maxConnections = limits.maxConnections;
  return server;
}

/**
 * Stops accepting connections, lets requests in flight finish (idle keep-alive connections are closed at
 * once and as they become idle), and after `graceMs` closes whatever is left. Resolves when all are closed.
 */
export function drain(server: Server, graceMs: number): Promise<void> {
  // Responses from now on close their connection, so a busy keep-alive client cannot hold the drain open.
  server.prependListener('request', (_req, res) => {
    res.shouldKeepAlive = false;
  });
  return new Promise((resolve) => {
    const idle = setInterval(() => server.closeIdleConnections(), 50);
    const deadline = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearInterval(idle);
      clearTimeout(deadline);
      resolve();
    });
    server.closeIdleConnections();
  });
}
