#!/usr/bin/env node
// Web view in headless Chromium (Debian's chromium, via playwright-core) on loopback, after
// `corepack pnpm build`: the runs page with 1,000 runs, the compare chart with 4 runs x 100,000
// points, and a 1,000,000-line log in the virtualized viewer. Prints one JSON line.
// Each page figure is the median of `repeat` loads (every total is printed too), next to an empty
// page load of the app in the same run as a reference for how loaded the machine is.
// Usage: node bench/web.mjs [runs=1000] [points=100000] [lines=1000000] [repeat=5]
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createWriteStream, existsSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const [RUNS, POINTS, LINES, REPEAT] = [Number(process.argv[2] ?? 1000), Number(process.argv[3] ?? 100_000), Number(process.argv[4] ?? 1_000_000), Number(process.argv[5] ?? 5)];
const { createRunlens } = await import(path.join(root, 'packages/core/dist/index.js'));
const { localProvider } = await import(path.join(root, 'packages/local/dist/index.js'));
const { startServer } = await import(path.join(root, 'packages/server/dist/index.js'));
const { webAssetsDir } = await import(path.join(root, 'packages/web/dist/index.js'));
const { chromium } = await import(path.join(root, 'packages/web/node_modules/playwright-core/index.mjs'));
const executablePath = process.env.RUNLENS_CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
if (!executablePath) throw new Error('no chromium: apt-get install chromium');

async function lines(file, count, make) {
  const out = createWriteStream(file);
  for (let i = 0; i < count; i++) if (!out.write(`${make(i)}\n`)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
}

const work = await mkdtemp(path.join(tmpdir(), 'runlens-bench-web-'));
const seed = path.join(root, 'examples/runs/azureml-seed004-metrics');
const seedRun = JSON.parse(await readFile(path.join(seed, 'run.json'), 'utf8'));
try {
  // RUNS small archives (listed), 4 with POINTS-point loss series, one with a LINES-line log.
  const many = path.join(work, 'many');
  await mkdir(many);
  for (let i = 0; i < RUNS; i++) {
    const dir = path.join(many, `run-${String(i).padStart(4, '0')}`);
    // run.json is all a listing reads.
    await mkdir(dir);
    const created = new Date(Date.parse('2026-01-01T00:00:00Z') + i * 3_600_000).toISOString();
    await writeFile(path.join(dir, 'run.json'), JSON.stringify({ ...seedRun, name: `bench-${i}`, status: i % 7 === 0 ? 'failed' : 'completed', createdAt: created }));
  }
  const curves = [];
  for (let r = 0; r < (POINTS > 0 ? 4 : 0); r++) {
    const dir = path.join(work, 'curves', `curve-${r}`);
    await cp(seed, dir, { recursive: true });
    const t0 = Date.parse('2026-02-01T00:00:00Z');
    await lines(path.join(dir, 'metrics/loss.jsonl'), POINTS + 1, (i) => (i === 0 ? JSON.stringify({ series: { name: 'loss', kind: 'training', providerName: 'loss' } }) : JSON.stringify({ timestamp: t0 + i * 1000, step: i, value: 2 / (1 + i / (500 * (r + 1))) + Math.sin(i / 50) * 0.01 })));
    curves.push(`local:${dir}`);
  }
  const big = path.join(work, 'big');
  await cp(path.join(root, 'examples/runs/sagemaker-xgboost-completed'), big, { recursive: true });
  const start = Date.parse('2026-11-20T09:00:00Z');
  if (LINES > 0) await lines(path.join(big, 'logs/algo-1.jsonl'), LINES, (i) => JSON.stringify({ timestamp: start + i, node: 'algo-1', message: `[${i}] step=${i} train-logloss:${(1 / (1 + i / 1000)).toFixed(5)} some more text to make a realistic line` }));

  const roots = [many, path.join(work, 'curves'), work];
  // As `runlens serve` makes it (its metric cache too).
  const { SERVE_METRIC_CACHE_POINTS } = await import(path.join(root, 'packages/cli/dist/commands/serve.js'));
  const runlens = createRunlens({ providers: [localProvider], cwd: root, env: {}, settings: { local: { roots } }, metricCache: { maxPoints: SERVE_METRIC_CACHE_POINTS } });
  const server = await startServer({ runlens, cwd: root, archiveRoots: roots, webDir: webAssetsDir() });
  // RUNLENS_BENCH_BASELINE_WEB=<dist/app of another build>: the compare page of that build too.
  const baselineDir = process.env.RUNLENS_BENCH_BASELINE_WEB;
  const baseline = baselineDir ? await startServer({ runlens, cwd: root, archiveRoots: roots, webDir: baselineDir }) : undefined;
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  const result = { runs: RUNS, points: POINTS, lines: LINES, repeat: REPEAT };
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (e) => console.error('pageerror:', e.message));
    const inPage = () => page.evaluate(() => Math.round(performance.now()));
    /** When the last response matching `pattern` had fully arrived (ms since navigation): the rest is the browser's. */
    const apiDone = (pattern) => page.evaluate((p) => Math.round(Math.max(0, ...performance.getEntriesByType('resource').filter((e) => new RegExp(p).test(new URL(e.name).pathname)).map((e) => e.responseEnd))), pattern);
    const nextFrame = () => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(undefined)))));
    const timed = async (pattern) => {
      const totalMs = await inPage();
      const apiMs = await apiDone(pattern);
      return { totalMs, apiMs, browserMs: totalMs - apiMs };
    };
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    /** Runs `measure` REPEAT times: the median of each figure, and every run's total. */
    const repeated = async (measure) => {
      const runs = [];
      for (let i = 0; i < REPEAT; i++) runs.push(await measure());
      const out = {};
      for (const k of Object.keys(runs[0])) out[k] = median(runs.map((r) => r[k]));
      out.totalsMs = runs.map((r) => r.totalMs);
      // The first load is the cold one (nothing read yet, for the compare page); the rest are warm.
      if (runs[0].apiMs !== undefined) out.apiMsAll = runs.map((r) => r.apiMs);
      return out;
    };

    // Reference: the app with nothing to show (same scripts and styles, no API call).
    result.emptyPage = await repeated(async () => {
      await page.goto(`${server.url}/nothing-here`);
      await page.waitForSelector('main p');
      await nextFrame();
      return { totalMs: await inPage() };
    });
    // How fast this browser is right now: 1,000 rows of a plain table built with DOM calls.
    result.calibrationPlainTableMs = await page.evaluate(() => {
      const started = performance.now();
      const table = document.createElement('table');
      for (let i = 0; i < 1000; i++) {
        const tr = table.insertRow();
        for (let j = 0; j < 7; j++) tr.insertCell().textContent = `cell ${i} ${j}`;
      }
      document.body.append(table);
      void table.offsetHeight;
      const took = performance.now() - started;
      table.remove();
      return Math.round(took);
    });

    // The table is virtualized: it holds every run (data-runs) and renders the rows in view.
    result.runsPage = await repeated(async () => {
      await page.goto(`${server.url}/`);
      await page.waitForFunction((n) => Number(document.querySelector('table.runs')?.getAttribute('data-runs')) >= n && document.querySelectorAll('table.runs tbody tr[data-ref]').length > 0, RUNS, { timeout: 120_000 });
      await nextFrame();
      return timed('^/api/runs$');
    });
    result.runsRowsInDom = await page.$$eval('table.runs tbody tr[data-ref]', (rows) => rows.length);
    // Rendering alone: filter the table down to a few rows, then back to all of them.
    await page.fill('input[aria-label="filter runs"]', 'bench-99');
    await page.waitForFunction((n) => Number(document.querySelector('table.runs')?.getAttribute('data-runs')) < n, RUNS);
    result.runsRerenderMs = await page.evaluate((n) => new Promise((resolve) => {
      const input = document.querySelector('input[aria-label="filter runs"]');
      const started = performance.now();
      input.value = '';
      input.dispatchEvent(new Event('input', { bubbles: true }));
      const check = () => (Number(document.querySelector('table.runs')?.getAttribute('data-runs')) >= n ? requestAnimationFrame(() => resolve(Math.round(performance.now() - started))) : setTimeout(check, 0));
      check();
    }), RUNS);

    const refs = curves.map((r) => `ref=${encodeURIComponent(r)}`).join('&');
    /** The compare page until its chart has drawn at least `drawn` points (a baseline build: holds them). */
    // The time is taken in the page, when the chart's attribute reaches the count: the server runs in
    // this process, and while it works out the page's /api/compare summary (which reads every series
    // again, ~0.8 s of CPU) this process answers the driver late, so a time read after
    // waitForFunction measured the server's summary, not the chart (2.9 s and 0.9 s read that way for
    // a chart the page had drawn at 1.1 s cold and 0.24 s warm).
    const compare = (extra, drawn, base = server.url) => async () => {
      const attr = base === baseline?.url ? 'data-points' : 'data-drawn';
      await page.goto(`${base}/compare?${refs}&metric=loss${extra}`);
      await page.waitForFunction(([n, a]) => Number(document.querySelector('.chart')?.getAttribute(a)) >= n, [drawn, attr], { timeout: 120_000 });
      await nextFrame();
      const totalMs = await page.evaluate((n) => window.__chartCounts.find(([, count]) => count >= n)[0], drawn);
      const apiMs = await apiDone('/metrics$');
      return { totalMs, apiMs, browserMs: totalMs - apiMs };
    };
    // Records, in every page, each count the chart's attribute takes and when (ms since navigation).
    await page.addInitScript(() => {
      window.__chartCounts = [];
      new MutationObserver(() => {
        const el = document.querySelector('.chart');
        if (!el) return;
        const count = Number(el.getAttribute('data-drawn') ?? el.getAttribute('data-points'));
        const last = window.__chartCounts.at(-1);
        if (last === undefined || last[1] !== count) window.__chartCounts.push([Math.round(performance.now()), count]);
      }).observe(document, { subtree: true, attributes: true, childList: true });
    });
    if (POINTS > 0) {
      if (baseline) {
        // The same page from another build, in turns with this one, under the same load.
        const [now, before] = [[], []];
        for (let i = 0; i < REPEAT; i++) {
          now.push(await compare('&points=all', 4 * POINTS)());
          before.push(await compare('&points=all', 4 * POINTS, baseline.url)());
        }
        const summary = (runs) => Object.fromEntries(Object.keys(runs[0]).map((k) => [k, median(runs.map((r) => r[k]))]));
        result.compareFullInTurns = { thisBuild: { ...summary(now), browserMsAll: now.map((r) => r.browserMs) }, baselineBuild: { ...summary(before), browserMsAll: before.map((r) => r.browserMs) } };
      }
      // Cold, default resolution: the first view after a server starts (its own runlens: nothing read yet).
      {
        const fresh = createRunlens({ providers: [localProvider], cwd: root, env: {}, settings: { local: { roots } }, metricCache: { maxPoints: SERVE_METRIC_CACHE_POINTS } });
        const coldServer = await startServer({ runlens: fresh, cwd: root, archiveRoots: roots, webDir: webAssetsDir() });
        try {
          result.compareDefaultCold = await compare('', 4 * Math.min(POINTS, 1000), coldServer.url)();
        } finally {
          await coldServer.close();
          await fresh.close();
        }
      }
      // The first of these loads is cold too (apiMsAll[0]): this server has not read the series yet.
      result.compareFull = await repeated(compare('&points=all', 4 * POINTS));
      // Default: LTTB on the server to about the chart's width in pixels.
      result.compareDefault = await repeated(compare('', 4 * Math.min(POINTS, 1000)));
      result.compareDefaultPoints = await page.$eval('.chart', (el) => Number(el.getAttribute('data-points')));
      result.metricsBytes = {};
      for (const format of ['points', 'columns']) {
        const r = await fetch(`${server.url}/api/runs/${encodeURIComponent(curves[0])}/metrics?metric=loss&format=${format}`);
        result.metricsBytes[format] = (await r.arrayBuffer()).byteLength;
      }
      // Zoom in on 1% of the x range (a drag on the chart): that window is read again at the same
      // resolution, which is every point there.
      result.compareZoom = await repeated(async () => {
        await compare('', 4 * Math.min(POINTS, 1000))();
        const box = await page.$eval('.chart .u-over', (el) => { const r = el.getBoundingClientRect(); return { x: r.x, y: r.y, w: r.width, h: r.height }; });
        const before = await page.$eval('.chart', (el) => Number(el.getAttribute('data-points')));
        await page.mouse.move(box.x + box.w * 0.5, box.y + box.h / 2);
        await page.mouse.down();
        await page.mouse.move(box.x + box.w * 0.51, box.y + box.h / 2, { steps: 4 });
        const started = await page.evaluate(() => performance.now());
        await page.mouse.up();
        await page.waitForFunction((n) => Number(document.querySelector('.chart')?.getAttribute('data-points')) > n, before, { timeout: 120_000 });
        await nextFrame();
        return { totalMs: Math.round((await page.evaluate(() => performance.now())) - started), pointsAfter: await page.$eval('.chart', (el) => Number(el.getAttribute('data-points'))) };
      });
    }

    if (LINES > 0) {
    await page.goto(`${server.url}/run?ref=${encodeURIComponent(`local:${big}`)}`);
    await page.waitForFunction(() => document.querySelector('.log-state')?.getAttribute('data-state') === 'done', undefined, { timeout: 300_000 });
    result.logAllLinesMs = await inPage();
    result.logLinesShown = await page.$eval('.log-viewport', (el) => Number(el.getAttribute('data-lines')));
    result.logRowsInDom = await page.$$eval('.log-row', (rows) => rows.length);
    result.logHeapMb = await page.evaluate(() => Math.round((performance.memory?.usedJSHeapSize ?? 0) / 1e6));
    // Scroll jumps and a steady scroll: worst frame time.
    result.logScrollWorstFrameMs = await page.$eval('.log-viewport', (el) => new Promise((resolve) => {
      let worst = 0;
      let last = performance.now();
      let i = 0;
      const step = () => {
        const now = performance.now();
        worst = Math.max(worst, now - last);
        last = now;
        if (i++ >= 120) return resolve(Math.round(worst));
        el.scrollTop = i % 10 === 0 ? Math.random() * (el.scrollHeight - el.clientHeight) : el.scrollTop + 400;
        requestAnimationFrame(step);
      };
      requestAnimationFrame(step);
    }));
    }
  } finally {
    await browser.close();
    await baseline?.close();
    await server.close();
    await runlens.close();
  }
  console.log(JSON.stringify(result));
} finally {
  await rm(work, { recursive: true, force: true });
}
