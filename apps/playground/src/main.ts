import { ComputeClient } from './compute/client.js';
import type { BackendInfo } from './compute/protocol.js';
import { gridWorldPage } from './gridworld/page.js';
import { DIGITS_FILE } from './mnist/digits-asset.js';
import { mnistPage } from './mnist/page.js';
import { tinyGptPage } from './tiny-gpt/page.js';

const TABS = ['tiny-gpt', 'gridworld', 'mnist'] as const;

function describe(info: BackendInfo): string {
  const isolation = info.crossOriginIsolated ? 'cross-origin isolated' : 'not cross-origin isolated';
  if (info.device === 'webgpu') return `<strong>WebGPU</strong> · ${info.detail} · ${isolation}`;
  const threads = `${info.threads} thread${info.threads === 1 ? '' : 's'}`;
  const why = info.fallbackReason ? ` (no WebGPU: ${info.fallbackReason})` : '';
  return `<strong>CPU</strong> · ${info.detail} on ${threads} · ${isolation}${why}`;
}

function showTab(name: string): void {
  const tab = (TABS as readonly string[]).includes(name) ? name : TABS[0];
  for (const t of TABS) document.getElementById(t)!.hidden = t !== tab;
  for (const b of document.querySelectorAll<HTMLButtonElement>('nav button')) {
    b.setAttribute('aria-selected', String(b.dataset.tab === tab));
  }
}

const compute = new ComputeClient();
const backend = document.getElementById('backend')!;
// ?backend=cpu skips WebGPU, to try the CPU backend in a browser that has both.
const prefer = new URLSearchParams(location.search).get('backend') === 'cpu' ? 'cpu' : 'auto';
compute.call('init', { prefer }).then(
  (info) => {
    backend.innerHTML = describe(info);
    backend.dataset.device = info.device;
    backend.dataset.threads = String(info.threads);
    backend.dataset.isolated = String(info.crossOriginIsolated);
  },
  (e: Error) => {
    backend.textContent = `The compute worker failed to start: ${e.message}`;
    backend.dataset.device = 'none';
  },
);

tinyGptPage(document.getElementById('tiny-gpt')!, compute);
gridWorldPage(document.getElementById('gridworld')!);
mnistPage(document.getElementById('mnist')!, compute, new URL(DIGITS_FILE, document.baseURI).href);
for (const b of document.querySelectorAll<HTMLButtonElement>('nav button')) {
  b.addEventListener('click', () => {
    history.replaceState(null, '', `#${b.dataset.tab}`);
    showTab(b.dataset.tab!);
  });
}
showTab(location.hash.slice(1) || TABS[0]);
