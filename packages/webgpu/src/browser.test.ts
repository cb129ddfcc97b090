import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_WEBGPU_ARGS, chromiumPath } from './test-device.js';

/**
 * Runs src/browser/page.ts in headless Chromium on navigator.gpu (Chromium's own Dawn, on whatever
 * Vulkan driver it finds). Chromium comes from Debian's package (.ci/install-chromium.sh); set
 * TESSERA_CHROMIUM to use another binary. Without one the test skips, except under CI=true.
 */
const executablePath = chromiumPath();
const ci = process.env.CI === 'true' || process.env.CI === '1';
const present = existsSync(executablePath);
if (!present && !ci) console.warn(`@tessera/webgpu browser test skipped: no Chromium at ${executablePath}`);

describe.skipIf(!present && !ci)('browser (headless Chromium, navigator.gpu)', () => {
  let server: Server;
  let browser: Browser;
  let url = '';

  beforeAll(async () => {
    if (!present) throw new Error(`no Chromium at ${executablePath} (CI=true: run .ci/install-chromium.sh)`);
    const bundle = await build({
      entryPoints: [fileURLToPath(new URL('./browser/page.ts', import.meta.url))],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      conditions: ['@tessera/source'],
      external: ['webgpu'],
      logLevel: 'silent',
    });
    const js = bundle.outputFiles[0].text;
    const html = '<!doctype html><meta charset="utf-8"><script type="module" src="/page.js"></script>';
    // Loopback only: a secure context (WebGPU needs one) that never leaves the machine.
    server = createServer((req, res) => {
      const isJs = req.url === '/page.js';
      res.setHeader('content-type', isJs ? 'text/javascript' : 'text/html');
      res.end(isJs ? js : html);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    browser = await chromium.launch({ executablePath, args: [...CHROMIUM_WEBGPU_ARGS] });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    server?.close();
  });

  it('runs elementwise ops, a reduction, softmax and a matmul on navigator.gpu', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    await page.waitForFunction(() => 'tesseraResult' in globalThis, null, { timeout: 30_000 });
    const result = (await page.evaluate(
      () => (globalThis as unknown as { tesseraResult: Promise<unknown> }).tesseraResult,
    )) as { error?: string; device?: string; diffs?: Record<string, number>; adapter?: unknown };
    console.info(
      `browser: adapter ${JSON.stringify(result.adapter)}, relative errors ${JSON.stringify(result.diffs)}`,
    );
    expect(errors).toEqual([]);
    expect(result.error).toBeUndefined();
    expect(result.device).toBe('webgpu');
    for (const [op, d] of Object.entries(result.diffs ?? {})) expect(d, op).toBeLessThan(1e-4);
    expect(Object.keys(result.diffs ?? {})).toHaveLength(5);
    await page.close();
  }, 90_000);
});
