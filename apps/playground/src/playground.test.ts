import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BOOK_V_STAR } from '@tessera/rl/testing';
import { CHROMIUM_WEBGPU_ARGS, chromiumPath } from '@tessera/webgpu/testing';
import { type Browser, chromium, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Builds the page with Vite (from the packages' dist builds: `pnpm build` first), serves the build
 * on 127.0.0.1 with the cross-origin isolation headers, and drives Debian's Chromium with WebGPU
 * on (Chromium's Dawn on whatever Vulkan driver it finds: lavapipe in CI). Without Chromium the
 * test skips, except under CI=true. Screenshots go to screenshots/ for the README.
 */
const executablePath = chromiumPath();
const ci = process.env.CI === 'true' || process.env.CI === '1';
const present = existsSync(executablePath);
if (!present && !ci) console.warn(`playground browser test skipped: no Chromium at ${executablePath}`);

const appDir = fileURLToPath(new URL('..', import.meta.url));
const shots = join(appDir, 'screenshots');

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.bin': 'application/octet-stream',
};

/** A plain static server over `root`, as any static host; `isolate` adds the two isolation headers. */
function serve(root: string, isolate: boolean): Server {
  return createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const file = normalize(join(root, path === '/' ? 'index.html' : path));
    if (!file.startsWith(root) || !existsSync(file)) {
      res.statusCode = 404;
      res.end();
      return;
    }
    res.setHeader('content-type', TYPES[extname(file)] ?? 'application/octet-stream');
    if (isolate) {
      res.setHeader('cross-origin-opener-policy', 'same-origin');
      res.setHeader('cross-origin-embedder-policy', 'require-corp');
    }
    res.end(readFileSync(file));
  });
}

describe.skipIf(!present && !ci)('playground (built page in headless Chromium)', () => {
  let server: Server;
  let plainServer: Server;
  let browser: Browser;
  let url = '';
  let plainUrl = '';
  let outDir = '';
  const errors: string[] = [];

  async function open(query = '', base = url): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 820 } });
    page.on('pageerror', (e) => errors.push(e.message));
    // The page needs nothing but its own files (and the blob: and data: URLs it makes itself).
    page.on('request', (r) => {
      if (!/^(blob|data):/.test(r.url()) && !r.url().startsWith(base)) errors.push(`fetched ${r.url()}`);
    });
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(`${base}${query}`);
    await page.waitForSelector('#backend[data-device]', { timeout: 30_000 });
    return page;
  }

  beforeAll(async () => {
    if (!present) throw new Error(`no Chromium at ${executablePath} (CI=true: run .ci/install-chromium.sh)`);
    const dist = fileURLToPath(new URL('../../../packages/core/dist/index.js', import.meta.url));
    if (!existsSync(dist))
      throw new Error('the playground builds from the packages’ dist: run `pnpm build` first');
    outDir = mkdtempSync(join(tmpdir(), 'tessera-playground-'));
    await build({
      root: appDir,
      configFile: join(appDir, 'vite.config.ts'),
      mode: 'production',
      logLevel: 'warn',
      build: { outDir, emptyOutDir: true },
    });
    // Loopback only: a secure context (WebGPU needs one) that never leaves the machine.
    const listen = async (s: Server) => {
      await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(s.address() as AddressInfo).port}/`;
    };
    server = serve(outDir, true);
    url = await listen(server);
    plainServer = serve(outDir, false);
    plainUrl = await listen(plainServer);
    browser = await chromium.launch({ executablePath, args: [...CHROMIUM_WEBGPU_ARGS] });
    mkdirSync(shots, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    server?.close();
    plainServer?.close();
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it('runs on WebGPU in a cross-origin isolated page and draws the book’s GridWorld values', async () => {
    const page = await open('#gridworld');
    const backend = page.locator('#backend');
    expect(await backend.getAttribute('data-device')).toBe('webgpu');
    expect(await backend.getAttribute('data-isolated')).toBe('true');
    console.info(`playground: ${await backend.textContent()}`);
    for (const algorithm of ['policy-iteration', 'value-iteration']) {
      await page.selectOption('#gw-algorithm', algorithm);
      await page.click('#gw-run');
      await page.waitForSelector('#gw-status[data-done="true"]', { timeout: 20_000 });
      const values = await page.$$eval('#gw-grid text.value', (ts) =>
        ts.map((t) => [Number(t.getAttribute('data-state')), Number(t.getAttribute('data-value'))]),
      );
      expect(values).toHaveLength(25);
      // The book's optimal state values (chapter 4's value-iteration example), as rl's own tests use them.
      for (const [s, v] of values)
        expect(Math.abs(v - BOOK_V_STAR[s]), `${algorithm} state ${s}`).toBeLessThanOrEqual(0.05);
    }
    await page.screenshot({ path: join(shots, 'gridworld.png') });
    await page.close();
    expect(errors).toEqual([]);
  }, 90_000);

  /** Trains the page's MLP for `epochs` and returns its held-out accuracy and the losses it drew. */
  async function trainMnist(page: Page, epochs: number): Promise<{ accuracy: number; losses: number[] }> {
    await page.fill('#mn-epochs', String(epochs));
    await page.click('#mn-train');
    await page.waitForSelector('#mn-status[data-state="trained"], #mn-status[data-state="error"]', {
      timeout: 80_000,
    });
    console.info(
      `playground MNIST (${await page.textContent('#backend')}): ${await page.textContent('#mn-status')}`,
    );
    const losses = await page.$eval('#mn-chart', (c) =>
      (c.getAttribute('data-losses') ?? '').split(',').map(Number),
    );
    return { accuracy: Number(await page.getAttribute('#mn-status', 'data-accuracy')), losses };
  }

  it('runs the CPU backend on WebAssembly threads (?backend=cpu) and classifies drawn digits', async () => {
    const page = await open('?backend=cpu#mnist');
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    expect(await page.getAttribute('#backend', 'data-device')).toBe('cpu');
    expect(Number(await page.getAttribute('#backend', 'data-threads'))).toBe(cores);
    const { accuracy } = await trainMnist(page, 3);
    expect(accuracy).toBeGreaterThan(0.8);
    const box = (await page.locator('#mn-canvas').boundingBox())!;
    const draw = async (points: [number, number][]) => {
      await page.click('#mn-clear');
      await page.mouse.move(box.x + points[0][0], box.y + points[0][1]);
      await page.mouse.down();
      for (const [x, y] of points.slice(1)) await page.mouse.move(box.x + x, box.y + y, { steps: 4 });
      await page.mouse.up();
      await page.waitForSelector('#mn-prediction[data-digit]');
      return Number(await page.getAttribute('#mn-prediction', 'data-digit'));
    };
    // A "1": one slightly slanted vertical stroke.
    expect(
      await draw([
        [150, 40],
        [140, 140],
        [130, 240],
      ]),
    ).toBe(1);
    // A "0": an ellipse.
    const ellipse = Array.from({ length: 25 }, (_, i): [number, number] => {
      const t = (2 * Math.PI * i) / 24;
      return [140 + 65 * Math.sin(t), 140 - 100 * Math.cos(t)];
    });
    expect(await draw(ellipse)).toBe(0);
    await page.screenshot({ path: join(shots, 'mnist.png') });
    await page.close();
    expect(errors).toEqual([]);
  }, 90_000);

  it('uses one CPU thread where the page is not cross-origin isolated', async () => {
    const page = await open('?backend=cpu', plainUrl);
    expect(await page.getAttribute('#backend', 'data-isolated')).toBe('false');
    expect(await page.getAttribute('#backend', 'data-threads')).toBe('1');
    expect(await page.textContent('#backend')).toContain('1 thread');
    await page.close();
    expect(errors).toEqual([]);
  }, 30_000);

  it('trains the tiny GPT a few steps on WebGPU (the loss falls) and decodes an answer with the KV cache', async () => {
    const page = await open('#tiny-gpt');
    await page.fill('#gpt-steps', '10');
    await page.fill('#gpt-batch', '16');
    await page.click('#gpt-train');
    await page.waitForSelector('#gpt-status[data-state="trained"], #gpt-status[data-state="error"]', {
      timeout: 80_000,
    });
    console.info(
      `playground tiny GPT (${await page.textContent('#backend')}): ${await page.textContent('#gpt-status')}`,
    );
    expect(await page.getAttribute('#gpt-status', 'data-state')).toBe('trained');
    const losses = await page.$eval('#gpt-chart', (c) =>
      (c.getAttribute('data-losses') ?? '').split(',').map(Number),
    );
    console.info(`playground tiny GPT losses: ${losses.map((l) => l.toFixed(3)).join(' ')}`);
    expect(losses).toHaveLength(10);
    // Twelve tokens: an untrained model starts near ln 12 ≈ 2.5; the answer digits alone are worth ln 10 ≈ 2.3.
    expect(losses[0]).toBeGreaterThan(2.2);
    expect(losses.at(-1)).toBeLessThan(losses[0] - 0.3);
    await page.fill('#gpt-problem', '47+38');
    await page.click('#gpt-decode');
    await page.waitForSelector('#gpt-verdict[data-sum]', { timeout: 20_000 });
    // Three answer digits, one per step: the 6-token prompt "47+38=" fills the cache, then each step adds one.
    const steps = await page.$$eval('#gpt-tokens li', (li) => li.map((l) => l.textContent ?? ''));
    expect(steps).toHaveLength(3);
    steps.forEach((text, i) => {
      expect(text).toMatch(new RegExp(`^“\\d” in [\\d.]+ ms · ${6 + i} positions in the KV cache$`));
    });
    expect(await page.textContent('#gpt-answer')).toMatch(/^47\+38=\d{3}$/);
    await page.screenshot({ path: join(shots, 'tiny-gpt.png') });
    await page.close();
    expect(errors).toEqual([]);
  }, 90_000);
});
