/**
 * The live dashboard: the page in a real headless Chromium against a coordinator training real
 * clients, and its access rules probed over loopback (and over this machine's own network address,
 * which is not loopback) as another page or host would.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EventEmitter } from 'node:events';
import { request } from 'node:http';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM, hasChromium, launchChromium, warnIfNoChromium } from '../helpers/browser';
import { io, type Socket } from 'socket.io-client';
import type { Coordinator, CoordinatorOptions } from '@cohort/coordinator';
import type { CohortClient } from '@cohort/client';
import { PROTOCOL_VERSION } from '@cohort/protocol';
import {
  honestClients,
  startCoordinator,
  syntheticData,
  tempDir,
  waitUntil,
  zeroUpdateClient,
  type RawClient,
} from '../helpers/federation';

/**
 * The little of the DOM the page functions below use. They run in the browser; this program is typed
 * without the DOM (tsconfig lib ES2022), so these declarations are this module's own.
 */
interface PageElement {
  textContent: string | null;
  dataset: Record<string, string | undefined>;
}
interface PageCanvas {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
}
declare const document: { getElementById(id: string): PageElement | null; querySelector(selector: string): PageElement | null };
declare const window: { seen?: { points: string[]; stages: string[] } };
declare class MutationObserver {
  constructor(callback: () => void);
  observe(target: PageElement, options: Record<string, unknown>): void;
}

warnIfNoChromium("the dashboard's browser tests");

/** An address of this machine that is not loopback: a request to it arrives from a non-loopback address. */
const externalAddress = Object.values(networkInterfaces())
  .flat()
  .find((a) => a !== undefined && a.family === 'IPv4' && !a.internal)?.address;

const dataset = syntheticData(3);
const open: { coordinators: Coordinator[]; clients: CohortClient[]; raw: RawClient[]; sockets: Socket[]; pages: Page[] } = {
  coordinators: [],
  clients: [],
  raw: [],
  sockets: [],
  pages: [],
};

afterEach(async () => {
  // Pages first: a page whose coordinator went away would log its reconnection attempts.
  await Promise.all(open.pages.splice(0).map((p) => p.close()));
  for (const s of open.sockets.splice(0)) s.disconnect();
  for (const r of open.raw.splice(0)) r.close();
  await Promise.all(open.clients.splice(0).map((c) => c.close()));
  await Promise.all(open.coordinators.splice(0).map((c) => c.close()));
});

async function start(options: Partial<CoordinatorOptions>) {
  const started = await startCoordinator(dataset, { dashboard: true, ...options });
  open.coordinators.push(started.coordinator);
  return started;
}

interface Viewer {
  socket: Socket;
  snapshot?: { connected: number; status: string; rounds: { round: number }[] };
  error?: Error;
}

/** A socket.io viewer of `namespace` from Node; resolves once it has the snapshot, or was refused. */
function viewer(url: string, options: { auth?: Record<string, unknown>; origin?: string; namespace?: string } = {}): Promise<Viewer> {
  const socket = io(`${url}${options.namespace ?? '/dashboard'}`, {
    transports: ['websocket'],
    reconnection: false,
    // Each viewer its own connection: socket.io-client would otherwise hand back the cached socket of the namespace.
    forceNew: true,
    ...(options.auth ? { auth: options.auth } : {}),
    ...(options.origin ? { extraHeaders: { origin: options.origin } } : {}),
  });
  open.sockets.push(socket);
  return new Promise((resolve) => {
    socket.once('dashboard:snapshot', (snapshot: Viewer['snapshot']) => resolve({ socket, snapshot }));
    socket.once('connect', () => {
      if (options.namespace === '/') resolve({ socket });
    });
    socket.once('connect_error', (error) => resolve({ socket, error }));
  });
}

function get(url: string, path: string, headers: Record<string, string> = {}, method = 'GET') {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    const req = request(`${url}${path}`, { method, headers }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the dashboard in a real browser', () => {
  let browser: Browser | undefined;

  beforeAll(async () => {
    if (!hasChromium) return;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  /** A page of the dashboard, with everything that went wrong in it and every frame it received. */
  async function openPage(url: string) {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    open.pages.push(page);
    const problems: string[] = [];
    const frames: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`failed request: ${r.url()} ${r.failure()?.errorText}`));
    page.on('response', (r) => r.status() >= 400 && problems.push(`HTTP ${r.status()}: ${r.url()}`));
    page.on('websocket', (ws) => ws.on('framereceived', ({ payload }) => frames.push(String(payload))));
    await page.goto(`${url}/dashboard`);
    // The snapshot has arrived once the page knows the run's status.
    await page.waitForFunction(() => !['connecting', 'disconnected'].includes(document.getElementById('status')?.dataset.status ?? ''));
    return { page, problems, frames };
  }

  const points = (page: Page, chart: string) =>
    page.evaluate((name) => Number(document.querySelector(`[data-chart="${name}"]`)?.dataset.points), chart);
  const text = (page: Page, id: string) => page.evaluate((key) => document.getElementById(key)?.textContent ?? '', id);
  const waitForText = (page: Page, id: string, value: string) =>
    page.waitForFunction(([key, expected]) => document.getElementById(key!)?.textContent === expected, [id, value]);
  const waitForStatus = (page: Page, status: string) =>
    page.waitForFunction((expected) => document.getElementById('status')?.dataset.status === expected, status);

  /** What the page's script received on the dashboard namespace, event by event. */
  function events(frames: readonly string[]): [string, Record<string, unknown>][] {
    return frames.filter((f) => f.startsWith('42/dashboard,')).map((f) => JSON.parse(f.slice('42/dashboard,'.length)));
  }

  it.skipIf(!hasChromium)(
    `shows the clients, the round and charts that gain a point per committed round, and no client id${hasChromium ? '' : ` (skipped: ${CHROMIUM} absent)`}`,
    async () => {
      // Large batches keep the rounds short: the test is about the page, not the learning.
      const { coordinator, url, reports } = await start({
        rounds: 4,
        minClients: 3,
        fit: { localEpochs: 1, batchSize: 128, learningRate: 0.3 },
      });
      const stageEvents: unknown[] = [];
      (coordinator as EventEmitter).on('stage', (s) => stageEvents.push(s));
      const { page, problems, frames } = await openPage(url);
      // Every value the accuracy chart's point count and the stage line take, in order.
      await page.evaluate(() => {
        const seen: { points: string[]; stages: string[] } = { points: [], stages: [] };
        window.seen = seen;
        const chart = document.querySelector('[data-chart="accuracy"]')!;
        const stage = document.getElementById('stage')!;
        new MutationObserver(() => seen.points.push(chart.dataset.points!)).observe(chart, {
          attributes: true,
          attributeFilter: ['data-points'],
        });
        new MutationObserver(() => seen.stages.push(stage.textContent ?? '')).observe(stage, {
          childList: true,
          characterData: true,
          subtree: true,
        });
      });

      open.clients.push(...honestClients(url, dataset, 3, 'dash-client'));
      await waitForText(page, 'connected', '3');
      const outcome = await coordinator.runRounds();
      expect(outcome.status).toBe('finished');
      await waitForStatus(page, 'finished');

      // Round 0 (the initial model's evaluation) and rounds 1–4: one point each, as each committed.
      const seen = (await page.evaluate(() => window.seen))!;
      const counts = seen.points.map(Number);
      expect(counts).toEqual([...counts].sort((a, b) => a - b));
      expect([...new Set(counts)]).toEqual([1, 2, 3, 4, 5]);
      expect(await points(page, 'accuracy')).toBe(5);
      expect(await points(page, 'loss')).toBe(5);
      expect(await points(page, 'duration')).toBe(4);
      expect(await points(page, 'bytes')).toBe(4);
      expect(await points(page, 'epsilon')).toBe(0);
      expect(await text(page, 'round')).toBe('4');
      // Clients leave when the run ends, and the page follows.
      await waitForText(page, 'connected', '0');
      expect(await text(page, 'epsilon')).toBe('off');
      // Where the coordinator reports stages, the page showed them as they came.
      if (stageEvents.length > 0) expect(seen.stages.length).toBeGreaterThan(1);

      // The figures are the coordinator's own.
      const published = events(frames).filter(([name]) => name === 'dashboard:round');
      const final = reports.find((r) => r.round === 4)!;
      expect(published.find(([, r]) => r.round === 4)?.[1]).toMatchObject({
        accuracy: final.evaluation!.accuracy,
        participants: 3,
        bytesIn: final.participation!.bytesIn,
      });

      // Nothing that names a client reached the page, in what it shows or in what it received.
      expect(await page.content()).not.toContain('dash-client');
      expect(frames.join('\n')).not.toContain('dash-client');

      // The charts drew their series (the evaluation line's own colour), and the page is not blank.
      const evaluationInk = await page.evaluate(() => {
        const canvas = document.querySelector('[data-chart="accuracy"] canvas') as unknown as PageCanvas;
        const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
        let n = 0;
        for (let i = 0; i < data.length; i += 4)
          if (Math.abs(data[i]! - 47) + Math.abs(data[i + 1]! - 111) + Math.abs(data[i + 2]! - 219) < 40 && data[i + 3]! > 200) n++;
        return n;
      });
      expect(evaluationInk).toBeGreaterThan(200);
      const screenshot = await page.screenshot();
      const empty = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
      open.pages.push(empty);
      await empty.setContent('<body style="margin:0;background:#f3f5f9"></body>');
      const blank = await empty.screenshot();
      expect(screenshot.byteLength).toBeGreaterThan(5 * blank.byteLength);

      // A page opened after the run gets the history so far at once.
      const late = await openPage(url);
      expect(await points(late.page, 'accuracy')).toBe(5);
      expect(await text(late.page, 'status')).toBe('finished');
      expect([...problems, ...late.problems]).toEqual([]);
    },
    60_000,
  );

  it.skipIf(!hasChromium)(
    `under differential privacy shows ε against the budget and publishes no participation${hasChromium ? '' : ` (skipped: ${CHROMIUM} absent)`}`,
    async () => {
      const dir = tempDir();
      const { coordinator, url, reports } = await start({
        rounds: 3,
        minClients: 2,
        evalEvery: 0,
        ledgerPath: join(dir, 'ledger.jsonl'),
        dp: { mode: 'central', clipNorm: 1, noiseMultiplier: 1, sampleRate: 1, delta: 1e-5, budgetEpsilon: 50, keyDir: join(dir, 'keys') },
      });
      const { page, problems, frames } = await openPage(url);
      open.raw.push(...['site-a', 'site-b', 'site-c'].map((id) => zeroUpdateClient(url, id)));
      const outcome = await coordinator.runRounds();
      expect(outcome.status).toBe('finished');
      await waitForStatus(page, 'finished');

      expect(await points(page, 'epsilon')).toBe(3);
      const spent = reports.at(-1)!.privacy!.rdp;
      expect(await text(page, 'epsilon')).toBe(`ε = ${spent.toFixed(3)}`);
      expect(await text(page, 'budget')).toBe('of 50 (δ = 0.00001, central DP)');
      expect(await points(page, 'bytes')).toBe(0);
      expect(await page.evaluate(() => document.querySelector('[data-chart="bytes"] .note')?.textContent)).toMatch(
        /^Not published under differential privacy/,
      );

      const published = events(frames).filter(([name]) => name === 'dashboard:round');
      expect(published.map(([, r]) => r.round)).toEqual([1, 2, 3]);
      for (const [, round] of published) expect(round).toMatchObject({ participants: null, bytesIn: null, bytesOut: null });
      expect(frames.join('\n')).not.toContain('site-');
      expect(problems).toEqual([]);
    },
    60_000,
  );
});

describe('who the dashboard answers', () => {
  it('serves the page on loopback; another path stays 404, another method 405, and another Host name (DNS rebinding) 403', async () => {
    const { url } = await start({ rounds: 1 });
    const page = await get(url, '/dashboard');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("connect-src 'self'");
    expect(page.body).toContain('<title>Cohort dashboard</title>');
    expect((await get(url, '/dashboard', {}, 'HEAD')).status).toBe(200);
    expect((await get(url, '/')).status).toBe(404);
    expect((await get(url, '/dashboard/../secret')).status).toBe(404);
    expect((await get(url, '/dashboard', {}, 'POST')).status).toBe(405);
    const rebound = await get(url, '/dashboard', { host: `attacker.example:${new URL(url).port}` });
    expect(rebound.status).toBe(403);
    expect(rebound.body).toMatch(/loopback host name/);
  }, 30_000);

  it('is read-only: a viewer presents no identity, a trainer is refused there, and a viewer that sends anything is dropped', async () => {
    const { url } = await start({ rounds: 1, minClients: 5 });
    const watching = await viewer(url);
    expect(watching.snapshot).toMatchObject({ connected: 0, status: 'running', rounds: [] });

    // Trainers still join the main namespace, and the dashboard counts them without naming them.
    const counts: number[] = [];
    watching.socket.on('dashboard:connected', (n: number) => counts.push(n));
    const trainer = zeroUpdateClient(url, 'site-1');
    open.raw.push(trainer);
    await waitUntil(() => trainer.description !== undefined && counts.at(-1) === 1);

    const asTrainer = await viewer(url, { auth: { protocolVersion: PROTOCOL_VERSION, clientId: 'site-2' } });
    expect(asTrainer.error?.message).toMatch(/presents no identity/);
    const asViewerOnTrainers = await viewer(url, { namespace: '/' });
    expect(asViewerOnTrainers.error).toBeDefined();

    const dropped = new Promise<string>((resolve) => watching.socket.once('disconnect', resolve));
    const ack = await new Promise((resolve) => watching.socket.emit('round:update', { round: 1 }, resolve));
    expect(ack).toEqual({ ok: false, message: 'the dashboard is read-only' });
    expect(await dropped).toBe('io server disconnect');
    expect(trainer.socket.connected).toBe(true);
  }, 30_000);

  it('admits 32 viewers at once and refuses the next, which is admitted once one leaves', async () => {
    const { url } = await start({ rounds: 1, minClients: 5 });
    const viewers = await Promise.all(Array.from({ length: 32 }, () => viewer(url)));
    expect(viewers.every((v) => v.snapshot !== undefined)).toBe(true);
    expect((await viewer(url)).error?.message).toMatch(/already has 32 viewers/);
    viewers[0]!.socket.disconnect();
    let again = await viewer(url);
    for (let i = 0; again.error && i < 20; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      again = await viewer(url);
    }
    expect(again.snapshot).toBeDefined();
  }, 30_000);

  it("lets the page's own Origin into the dashboard but not into the trainers' namespace, and another site's Origin into neither", async () => {
    const { url } = await start({ rounds: 1, minClients: 5 });
    const trainerAuth = { protocolVersion: PROTOCOL_VERSION, clientId: 'browser' };
    expect((await viewer(url, { origin: url })).snapshot).toBeDefined();
    expect((await viewer(url, { origin: url, namespace: '/', auth: trainerAuth })).error?.message).toMatch(/origin .* is not allowed/);
    expect((await viewer(url, { origin: 'http://evil.example' })).error).toBeDefined();
    expect((await viewer(url, { origin: 'http://evil.example', namespace: '/', auth: trainerAuth })).error).toBeDefined();
    // A Node client (no Origin) still joins as a trainer.
    expect((await viewer(url, { namespace: '/', auth: trainerAuth })).error).toBeUndefined();
  }, 30_000);

  it("relays the coordinator's stage events as round, attempt and stage, and nothing else they carry", async () => {
    const { coordinator, url } = await start({ rounds: 1, minClients: 5 });
    const watching = await viewer(url);
    const stages: unknown[] = [];
    watching.socket.on('dashboard:stage', (stage: unknown) => stages.push(stage));
    const source = coordinator as EventEmitter;
    source.emit('stage', { round: 2, attempt: 1, stage: 'sample', participants: 4 });
    source.emit('stage', 'not a stage');
    source.emit('stage', { round: 2, attempt: 0, stage: 'sample' });
    source.emit('stage', { round: 2, attempt: 3, stage: 'collect', clientIds: ['site-1'] });
    await waitUntil(() => stages.length >= 2);
    expect(stages).toEqual([
      { round: 2, attempt: 1, stage: 'sample' },
      { round: 2, attempt: 3, stage: 'collect' },
    ]);
    // A page that arrives now learns the stage in its snapshot.
    expect((await viewer(url)).snapshot).toMatchObject({ stage: { round: 2, attempt: 3, stage: 'collect' } });
  }, 30_000);

  it('under DP relays only the start of a round, never when a later stage begins (it would say when the last sampled client answered)', async () => {
    const dir = tempDir('cohort-dashboard-dp-');
    const dp = {
      mode: 'central' as const,
      clipNorm: 1,
      noiseMultiplier: 1,
      sampleRate: 1,
      delta: 1e-5,
      budgetEpsilon: 50,
      keyDir: join(dir, 'keys'),
    };
    const { coordinator, url } = await start({ rounds: 1, minClients: 5, dp, ledgerPath: join(dir, 'ledger.jsonl') });
    const watching = await viewer(url);
    const stages: unknown[] = [];
    watching.socket.on('dashboard:stage', (stage: unknown) => stages.push(stage));
    const source = coordinator as EventEmitter;
    for (const stage of ['sample', 'broadcast', 'collect', 'aggregate', 'commit']) source.emit('stage', { round: 2, attempt: 1, stage });
    source.emit('stage', { round: 3, attempt: 1, stage: 'sample' });
    await waitUntil(() => stages.length >= 2);
    expect(stages).toEqual([
      { round: 2, attempt: 1, stage: 'sample' },
      { round: 3, attempt: 1, stage: 'sample' },
    ]);
  }, 30_000);

  it.skipIf(!externalAddress)(
    `refuses page and namespace to a non-loopback address unless dashboardPublic${externalAddress ? '' : ' (skipped: this machine has no non-loopback IPv4 address)'}`,
    async () => {
      const closed = await start({ rounds: 1, minClients: 5, host: externalAddress!, insecure: true });
      const refused = await get(closed.url, '/dashboard');
      expect(refused.status).toBe(403);
      expect(refused.body).toMatch(/loopback/);
      expect((await viewer(closed.url)).error?.message).toMatch(/loopback/);

      const open = await start({ rounds: 1, minClients: 5, host: externalAddress!, insecure: true, dashboardPublic: true });
      expect((await get(open.url, '/dashboard')).status).toBe(200);
      expect((await viewer(open.url)).snapshot).toBeDefined();
    },
    30_000,
  );

  it('is not there unless asked for', async () => {
    const { url } = await start({ rounds: 1, minClients: 5, dashboard: false });
    expect((await get(url, '/dashboard')).status).toBe(404);
    expect((await viewer(url)).error).toBeDefined();
    await expect(start({ rounds: 1, dashboard: false, dashboardPublic: true })).rejects.toThrow(/dashboardPublic needs dashboard/);
  }, 30_000);
});
