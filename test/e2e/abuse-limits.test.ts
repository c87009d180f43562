/**
 * The socket transport's abuse limits, probed over loopback as an attacker would: stray HTTP requests,
 * connection floods from one address, a socket that sends too fast, browser Origins, sockets that never
 * join, and the database's file mode.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, statSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { io, type Socket } from 'socket.io-client';
import WebSocket from 'ws';
import type { Coordinator, CoordinatorOptions } from '@cohort/coordinator';
import { PROTOCOL_VERSION, type Ack } from '@cohort/protocol';
import { capturingLogger, startCoordinator, syntheticData, waitUntil } from '../helpers/federation';

const dataset = syntheticData(5);
const open: { coordinators: Coordinator[]; sockets: Socket[] } = { coordinators: [], sockets: [] };

afterEach(async () => {
  for (const s of open.sockets.splice(0)) s.disconnect();
  await Promise.all(open.coordinators.splice(0).map((c) => c.close()));
});

/** A coordinator whose rounds never start (it waits for more clients than any test connects). */
async function start(options: Partial<CoordinatorOptions> = {}) {
  const started = await startCoordinator(dataset, { minClients: 50, evalEvery: 0, ...options });
  open.coordinators.push(started.coordinator);
  void started.coordinator.runRounds();
  return started;
}

function connect(
  url: string,
  clientId: string,
  extra: Record<string, unknown> = {},
): Promise<{ socket: Socket; error?: Error & { data?: { code?: string; message?: string } } }> {
  const socket = io(url, {
    auth: { protocolVersion: PROTOCOL_VERSION, clientId },
    transports: ['websocket'],
    reconnection: false,
    ...extra,
  });
  open.sockets.push(socket);
  return new Promise((resolve) => {
    socket.once('connect', () => resolve({ socket }));
    socket.once('connect_error', (error) => resolve({ socket, error }));
  });
}

/** Sends `request` on a raw TCP connection; resolves with what came back and whether the server closed it within `ms`. */
function rawRequest(url: string, request: string, ms: number): Promise<{ response: string; closed: boolean }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = tcpConnect(Number(port), hostname, () => socket.write(request));
    let response = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ response, closed: false });
    }, ms);
    socket.on('data', (chunk) => (response += chunk.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ response, closed: true });
    });
  });
}

describe('HTTP outside socket.io', () => {
  it('answers a plain GET / with 404 and closes the connection', async () => {
    const { url } = await start();
    const { response, closed } = await rawRequest(url, 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n', 2000);
    expect(response).toMatch(/^HTTP\/1\.1 404 /);
    expect(closed).toBe(true);
  }, 20_000);

  it('closes within 2 s while a request is still open, and a connected client is let go too', async () => {
    const { coordinator, url } = await start();
    const { hostname, port } = new URL(url);
    // Headers never finished: the request stays open until the server cuts it.
    const stalled = tcpConnect(Number(port), hostname, () => stalled.write('GET /slow HTTP/1.1\r\nHost: localhost\r\n'));
    stalled.on('error', () => undefined);
    const cut = new Promise<void>((resolve) => stalled.once('close', () => resolve()));
    const { error } = await connect(url, 'present');
    expect(error).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    open.coordinators.splice(open.coordinators.indexOf(coordinator), 1);
    const closed = await Promise.race([
      coordinator.close().then(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(false), 8000)),
    ]);
    expect(closed).toBe(true);
    expect(Date.now() - started).toBeLessThan(2000);
    await cut;
  }, 20_000);
});

describe('connection limits', () => {
  it('refuses the 6th socket from one address with TOO_MANY_FROM_ADDRESS, and admits one again after a socket leaves', async () => {
    const { url } = await start({ maxConnectionsPerAddress: 5 });
    const admitted = await Promise.all(Array.from({ length: 5 }, (_, i) => connect(url, `site-${i}`)));
    expect(admitted.map((a) => a.error)).toEqual([undefined, undefined, undefined, undefined, undefined]);
    const sixth = await connect(url, 'site-5');
    expect(sixth.error?.data?.code).toBe('TOO_MANY_FROM_ADDRESS');
    expect(sixth.error?.message).toMatch(/limit of 5 connections from/);
    admitted[0]!.socket.disconnect();
    let again = await connect(url, 'site-6');
    for (let i = 0; again.error && i < 20; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      again = await connect(url, 'site-6');
    }
    expect(again.error).toBeUndefined();
  }, 20_000);

  it('refuses a socket beyond maxConnections with TOO_MANY_CONNECTIONS', async () => {
    const { url } = await start({ maxConnections: 3 });
    const admitted = await Promise.all(Array.from({ length: 3 }, (_, i) => connect(url, `site-${i}`)));
    expect(admitted.every((a) => a.error === undefined)).toBe(true);
    const fourth = await connect(url, 'site-3');
    expect(fourth.error?.data?.code).toBe('TOO_MANY_CONNECTIONS');
  }, 20_000);

  it('drops a socket that opens the connection but never joins, after handshakeTimeoutMs', async () => {
    const { url } = await start({ handshakeTimeoutMs: 500 });
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`);
    const opened = Date.now();
    const frames: string[] = [];
    ws.on('message', (data) => frames.push(data.toString()));
    const closedAfter = await new Promise<number>((resolve) => ws.once('close', () => resolve(Date.now() - opened)));
    expect(frames[0]).toMatch(/^0\{/); // the engine.io handshake happened; the socket.io one never did
    expect(closedAfter).toBeGreaterThanOrEqual(400);
    expect(closedAfter).toBeLessThan(3000);
  }, 20_000);
});

describe('Origin checking', () => {
  it('refuses a browser Origin that is not listed, accepts a listed one and a Node client without Origin', async () => {
    const { url } = await start({ allowedOrigins: ['https://console.example'] });
    const evil = await connect(url, 'evil', { extraHeaders: { origin: 'https://evil.example' } });
    expect(evil.error).toBeDefined();
    expect(evil.socket.connected).toBe(false);
    const listed = await connect(url, 'console', { extraHeaders: { origin: 'https://console.example' } });
    expect(listed.error).toBeUndefined();
    const node = await connect(url, 'node');
    expect(node.error).toBeUndefined();
  }, 20_000);

  it('refuses every browser Origin by default', async () => {
    const { url } = await start();
    const browser = await connect(url, 'browser', { extraHeaders: { origin: `${url}` } });
    expect(browser.error).toBeDefined();
  }, 20_000);
});

describe('message rate and warning logs', () => {
  it('refuses messages over the token bucket with RATE_LIMITED, disconnects a socket that keeps on, and limits its warnings', async () => {
    const { logger, lines } = capturingLogger('info');
    const { url } = await start({ messageRate: { perSecond: 1, burst: 4 }, warningsPerMinute: 3, logger });
    const { socket, error } = await connect(url, 'flooder');
    expect(error).toBeUndefined();
    const acks: Ack[] = [];
    const disconnected = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    for (let i = 0; i < 200; i++) socket.emit('round:update', { garbage: i }, (ack: Ack) => acks.push(ack));
    expect(await disconnected).toBe('io server disconnect');
    // `burst` messages were processed (and rejected on their merits, no round being open); the ones
    // after them were refused unprocessed, until the socket was dropped.
    const limited = acks.filter((a) => !a.ok && a.code === ('RATE_LIMITED' as string));
    expect(acks.every((a) => !a.ok)).toBe(true);
    expect(acks.length - limited.length).toBe(4);
    expect(limited.length).toBeGreaterThan(0);
    await waitUntil(() => lines.some((l) => /^suppressed \d+ warnings from client flooder/.test(String(l.msg))), 5000);
    const warnings = lines.filter((l) => (l.level as number) >= 40 && JSON.stringify(l).includes('flooder'));
    // 3 warnings, one line when suppression starts, one summary line: never one line per message.
    expect(warnings.length).toBeLessThanOrEqual(5);
    expect(warnings.some((l) => /further ones are suppressed/.test(String(l.msg)))).toBe(true);
  }, 20_000);
});

describe('database file mode', () => {
  it('keeps the database and its -wal and -shm files owner-only (0600)', async () => {
    const { coordinator } = await start();
    const { dbPath } = coordinator.options;
    for (const file of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`]) {
      expect(existsSync(file)).toBe(true);
      expect((statSync(file).mode & 0o777).toString(8)).toBe('600');
    }
  }, 20_000);
});
