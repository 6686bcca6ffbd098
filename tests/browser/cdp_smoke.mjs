// Smoke test of cdp.mjs: loads a tiny page in headless chromium, clicks a button, presses
// keys, checks the page saw them and takes a screenshot.
// Usage: node tests/browser/cdp_smoke.mjs [screenshot.png]   (default /tmp/cdp-smoke.png)

import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { launch } from './cdp.mjs';

const shotPath = process.argv[2] ?? '/tmp/cdp-smoke.png';
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const HTML = `<!doctype html>
<html><body>
  <button id="b">click me</button> clicks: <span id="clicks">0</span>
  <p>ArrowRight presses: <span id="rights">0</span></p>
  <script>
    let clicks = 0, rights = 0;
    document.getElementById('b').addEventListener('click', () => {
      document.getElementById('clicks').textContent = String(++clicks);
    });
    document.addEventListener('keydown', (e) => {
      if (e.key === 'ArrowRight') document.getElementById('rights').textContent = String(++rights);
    });
  </script>
</body></html>
`;

function check(what, actual, expected) {
  if (actual !== expected) {
    throw new Error(`cdp smoke: ${what} is ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
  }
}

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'cdp-smoke-'));
  let browser;
  try {
    const htmlPath = join(dir, 'smoke.html');
    await writeFile(htmlPath, HTML);
    browser = await launch();
    const page = await browser.newPage();
    await page.goto(pathToFileURL(htmlPath).href);

    await page.click('#b');
    await page.click('#b');
    for (let i = 0; i < 3; i++) await page.press('ArrowRight');

    check('click count', await page.evaluate("document.getElementById('clicks').textContent"), '2');
    check('ArrowRight count', await page.evaluate("document.getElementById('rights').textContent"), '3');

    await mkdir(dirname(shotPath), { recursive: true });
    await page.screenshot(shotPath);
    const png = await readFile(shotPath);
    check('screenshot signature', png.subarray(0, 8).equals(PNG_SIGNATURE), true);
  } finally {
    if (browser) await browser.close();
    await rm(dir, { recursive: true, force: true });
  }
  console.log('cdp smoke: ok');
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err instanceof Error ? err.stack ?? err.message : err);
    process.exit(1);
  },
);
