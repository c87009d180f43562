/**
 * The dashboard page: one self-contained HTML document with the socket.io client, uPlot and the
 * page's own script and styles inlined, so that it loads nothing from the network. A Content Security
 * Policy lets run only those exact scripts (by hash) and connect only back to the coordinator.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface DashboardPage {
  html: Buffer;
  headers: Record<string, string>;
}

/** Reads a script for inlining: its source-map comment dropped (nothing is fetched) and `</script` refused. */
function inlineScript(path: string | URL): string {
  const source = readFileSync(path, 'utf8').replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n');
  if (/<\/script/i.test(source)) throw new Error(`${String(path)} contains "</script" and cannot be inlined in the dashboard page.`);
  return source;
}

function sha256Source(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

function readAssets(): { scripts: string[]; styles: string } {
  const require = createRequire(import.meta.url);
  // socket.io ships its browser client beside the server; its exports map names only the server.
  const socketIoClient = join(dirname(require.resolve('socket.io')), '..', 'client-dist', 'socket.io.min.js');
  const uplot = require.resolve('uplot/dist/uPlot.iife.min.js');
  const uplotCss = require.resolve('uplot/dist/uPlot.min.css');
  const page = (name: string) => new URL(`./page/${name}`, import.meta.url);
  return {
    scripts: [inlineScript(socketIoClient), inlineScript(uplot), inlineScript(page('dashboard.js'))],
    styles: `${readFileSync(uplotCss, 'utf8')}\n${readFileSync(page('dashboard.css'), 'utf8')}`,
  };
}

const BODY = `
<header>
  <h1>Cohort</h1>
  <p id="status" class="status" data-status="connecting">connecting…</p>
</header>
<section class="figures" aria-label="Current state">
  <div><span class="label">Clients connected</span><span id="connected" class="value">–</span></div>
  <div><span class="label">Round</span><span id="round" class="value">–</span></div>
  <div><span class="label">Stage</span><span id="stage" class="value">–</span></div>
  <div><span class="label">Privacy</span><span id="epsilon" class="value">–</span><span id="budget" class="note"></span></div>
</section>
<main class="charts">
  <section class="chart" data-chart="accuracy" data-points="0"><h2>Accuracy</h2><div class="plot"></div><p class="note"></p></section>
  <section class="chart" data-chart="loss" data-points="0"><h2>Loss</h2><div class="plot"></div><p class="note"></p></section>
  <section class="chart" data-chart="duration" data-points="0"><h2>Round duration (s)</h2><div class="plot"></div><p class="note"></p></section>
  <section class="chart" data-chart="bytes" data-points="0"><h2>Bytes per round (KiB)</h2><div class="plot"></div><p class="note"></p></section>
  <section class="chart" data-chart="epsilon" data-points="0"><h2>Privacy spent (ε)</h2><div class="plot"></div><p class="note"></p></section>
</main>`;

/** Builds the page once; the coordinator serves the same bytes to every request. */
export function buildDashboardPage(): DashboardPage {
  const { scripts, styles } = readAssets();
  const html = [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<title>Cohort dashboard</title>',
    // An empty icon: the browser would otherwise ask for /favicon.ico.
    '<link rel="icon" href="data:,">',
    `<style>${styles}</style>`,
    '</head><body>',
    BODY,
    ...scripts.map((script) => `<script>${script}</script>`),
    '</body></html>',
  ].join('\n');
  const policy = [
    "default-src 'none'",
    `script-src ${scripts.map(sha256Source).join(' ')}`,
    // uPlot sizes and positions its elements with inline styles.
    "style-src 'unsafe-inline'",
    "connect-src 'self'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return {
    html: Buffer.from(html, 'utf8'),
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': policy,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    },
  };
}
