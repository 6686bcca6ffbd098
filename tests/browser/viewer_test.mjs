// The step-through viewer (`tapegrad dot --html`) in headless Chromium, driven as a student
// would: load the page, step through the backward pass with the Next button and the arrow keys
// until the end, read the gradient the page shows for each parameter element and compare it with
// what `tapegrad grad` writes for the same model, weights and row; then click a weight in the
// graph and read its explanation. Keeps a screenshot and the page as artifacts.
//
// Usage: node viewer_test.mjs TAPEGRAD SOURCE_DIR ARTIFACT_DIR

import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { launch } from './cdp.mjs';

const [tapegrad, sourceDir, artifactDir] = process.argv.slice(2);
if (!tapegrad || !sourceDir || !artifactDir) {
  console.error('usage: node viewer_test.mjs TAPEGRAD SOURCE_DIR ARTIFACT_DIR');
  process.exit(2);
}

let failures = 0;
function check(ok, message) {
  if (!ok) {
    failures += 1;
    console.error(`FAIL: ${message}`);
  }
}
const closeTo = (a, b, rtol) => Math.abs(a - b) <= rtol * Math.max(Math.abs(a), Math.abs(b), 1e-300);

// The F64 tensors of a safetensors file, by name, as flat arrays (an 8-byte little-endian header
// length, the JSON header, then the tensors' bytes).
function readSafetensors(bytes) {
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8'));
  const tensors = {};
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    if (info.dtype !== 'F64') throw new Error(`${name}: expected F64, got ${info.dtype}`);
    const [begin, end] = info.data_offsets;
    const values = [];
    for (let at = 8 + headerLength + begin; at < 8 + headerLength + end; at += 8)
      values.push(bytes.readDoubleLE(at));
    tensors[name] = { shape: info.shape, values };
  }
  return tensors;
}

// "layers.0.weight[1,2]" for flat index 5 of shape [4,3].
function elementName(name, shape, flat) {
  const index = [];
  for (let axis = shape.length - 1; axis >= 0; axis -= 1) {
    index.unshift(flat % shape[axis]);
    flat = Math.floor(flat / shape[axis]);
  }
  return `${name}[${index.join(',')}]`;
}

const work = await mkdtemp(join(tmpdir(), 'tapegrad-viewer-'));
const run = (...args) =>
  execFileSync(tapegrad, args, { cwd: work, encoding: 'utf8', timeout: 60000 });
let browser;
await mkdir(artifactDir, { recursive: true });
try {
  // The seed network's config, F64 weights, and one example.
  const config = join(sourceDir, 'models', 'examples', 'seed.json');
  await writeFile(join(work, 'd.csv'), 'x1,x2,x3,y\n0.62,-0.35,0.81,0.4\n');
  run('init', '--model', config, '--dtype', 'F64', '--seed', '11', '--out', 'w.safetensors');
  run('grad', '--model', config, '--weights', 'w.safetensors', '--data', 'd.csv',
      '--out', 'g.safetensors');
  run('dot', '--model', config, '--weights', 'w.safetensors', '--data', 'd.csv', '--row', '0',
      '--html', 'viewer.html', 'graph.svg');
  const grads = readSafetensors(await readFile(join(work, 'g.safetensors')));
  const expected = new Map();
  for (const [name, tensor] of Object.entries(grads))
    tensor.values.forEach((value, flat) => expected.set(elementName(name, tensor.shape, flat), value));
  check(expected.size === 4 * 3 + 4 + 4 + 1, `tapegrad grad wrote ${expected.size} elements`);

  browser = await launch({ width: 1400, height: 1000 });
  const page = await browser.newPage();
  // The page is self-contained: it must not ask for anything but itself.
  const pageUrl = pathToFileURL(join(work, 'viewer.html')).href;
  const requests = [];
  await page.send('Network.enable');
  page.on('Network.requestWillBeSent', (event) => requests.push(event.request.url));
  await page.goto(pageUrl);
  const text = (selector) => page.evaluate(`document.querySelector(${JSON.stringify(selector)}).textContent`);
  const disabled = (id) => page.evaluate(`document.getElementById(${JSON.stringify(id)}).disabled`);
  const sumCell = (name) => `td.sum[data-element=${JSON.stringify(name)}]`;

  // The forward pass first: nothing summed yet.
  check((await text('#step')).startsWith('Forward pass'), 'the page opens on the forward pass');
  check(await disabled('prev'), 'Previous is disabled on the first frame');
  check((await text(sumCell('layers.0.weight[1,2]'))) === '—', 'no sum before backward starts');

  // Fitted to the window, the smallest label is at least 12 CSS px: its font size in the SVG's
  // units times the scale from those units to the screen (measured, transforms included).
  const smallestLabel = () => page.evaluate(`Math.min(...Array.from(
      document.querySelectorAll('div.frame:not([hidden]) svg text')).map((t) =>
      Number(t.getAttribute('font-size')) * t.getBoundingClientRect().height / t.getBBox().height))`);
  const smallest = await smallestLabel();
  check(smallest >= 12, `the smallest label at fit is ${smallest.toFixed(2)} CSS px, below 12`);
  // Zoom: the wheel over the drawing grows a label's box at least 1.5 times; 0 fits again.
  const labelBox = () => page.evaluate(`(() => {
      const r = document.querySelector('div.frame:not([hidden]) g.node text').getBoundingClientRect();
      return { x: r.left, y: r.top, width: r.width, height: r.height }; })()`);
  const fitted = await labelBox();
  await page.send('Input.dispatchMouseEvent', { type: 'mouseWheel', x: 400, y: 500, deltaX: 0, deltaY: -250 });
  await page.waitFor(`document.querySelector('div.frame:not([hidden]) g.node text').getBoundingClientRect().width > ${fitted.width * 1.1}`);
  const zoomed = await labelBox();
  check(zoomed.width >= 1.5 * fitted.width && zoomed.height >= 1.5 * fitted.height,
        `zooming in: a label's box went from ${fitted.width}×${fitted.height} to ${zoomed.width}×${zoomed.height}`);
  // Dragging pans the drawing by the distance dragged.
  const drag = (type, x, y, buttons) =>
    page.send('Input.dispatchMouseEvent', { type, x, y, button: 'left', buttons, clickCount: 1 });
  await drag('mousePressed', 300, 400, 1);
  await drag('mouseMoved', 350, 420, 1);
  await drag('mouseMoved', 400, 440, 1);
  await drag('mouseReleased', 400, 440, 0);
  const panned = await labelBox();
  check(Math.abs(panned.x - zoomed.x - 100) < 2 && Math.abs(panned.y - zoomed.y - 40) < 2,
        `dragging by (100, 40) moved a label by (${panned.x - zoomed.x}, ${panned.y - zoomed.y})`);
  await page.press('0');
  const refitted = await labelBox();
  check(Math.abs(refitted.width - fitted.width) < 0.5 && Math.abs(refitted.x - fitted.x) < 0.5,
        'the key 0 fits the drawing to the window again');

  // Step with the button once, then the arrow key, until Next is disabled.
  await page.click('#next');
  let steps = 1;
  check((await text('#step')).startsWith('Backward step 1 of 4: sse_loss'),
        `after one Next: ${await text('#step')}`);
  // The step's own edge shows its contribution in this frame, not the next: ŷ → E reads
  // "−(y−ŷ) = g" and below it "× 1 = g", the gradient 1 flowing in times the derivative.
  const edgeLabels = await page.evaluate(`Array.from(document.querySelectorAll(
      'div.frame:not([hidden]) g.edge')).map((e) => e.textContent.replace(/\\s+/g, ' ')).join(' | ')`);
  const lossEdge = /−\(y−ŷ\) = (\S+) × 1 = (\S+)/.exec(edgeLabels);
  check(lossEdge && lossEdge[1] === lossEdge[2], `step 1's edge labels: ${edgeLabels}`);
  while (!(await disabled('next'))) {
    await page.press('ArrowRight');
    steps += 1;
    if (steps > 50) throw new Error('Next never became disabled');
  }
  check(steps === 4, `backward took ${steps} steps, expected 4 (sse_loss, linear, sigmoid, linear)`);
  check((await text('#step')).startsWith('Backward step 4 of 4'), `last caption: ${await text('#step')}`);

  // Every parameter element's shown gradient against tapegrad grad's file.
  for (const [name, gradient] of expected) {
    const cell = sumCell(name);
    const exact = Number(await page.evaluate(`document.querySelector(${JSON.stringify(cell)}).dataset.value`));
    const shown = Number(await text(cell));
    check(closeTo(exact, gradient, 1e-12), `${name}: page's sum ${exact}, tapegrad grad ${gradient}`);
    check(closeTo(shown, gradient, 5e-6), `${name}: page shows ${shown}, tapegrad grad ${gradient}`);
  }

  // Every frame, fitted to the window, keeps its labels at 12 CSS px or more.
  await page.press('Home');
  for (let frame = 0; frame <= 4; frame += 1) {
    await page.press('0');
    const px = await smallestLabel();
    check(px >= 12, `frame ${frame}: the smallest label at fit is ${px.toFixed(2)} CSS px, below 12`);
    if (frame < 4) await page.press('ArrowRight');
  }

  // The arrow keys go back, Home and End jump.
  await page.press('ArrowLeft');
  check((await text('#step')).startsWith('Backward step 3 of 4'), `after ←: ${await text('#step')}`);
  await page.press('Home');
  check((await text('#step')).startsWith('Forward pass'), `after Home: ${await text('#step')}`);
  await page.press('End');
  check((await text('#step')).startsWith('Backward step 4 of 4'), `after End: ${await text('#step')}`);

  // In the last step each weight's edge label carries its contribution: "grad: x × g = c",
  // with c the gradient (4 significant digits).
  const weight = 'layers.0.weight[1,2]';
  const weightLabel = await text(`div.frame:not([hidden]) g.node[data-element=${JSON.stringify(weight)}]`);
  const contribution = Number(/grad: \S+ × \S+\s*= (\S+)/.exec(weightLabel)?.[1]);
  check(closeTo(contribution, expected.get(weight), 5e-4),
        `the last step's label of ${weight}: "${weightLabel}", tapegrad grad ${expected.get(weight)}`);

  // A click on a weight in the graph shows its explanation, which agrees with tapegrad grad.
  await page.click(`div.frame:not([hidden]) g.node[data-element=${JSON.stringify(weight)}]`);
  const explanation = await text('#explain');
  check(explanation.startsWith(`∂E/∂${weight} `), `explanation: ${explanation.slice(0, 80)}`);
  check(explanation.includes('agree:'), 'the explanation reports agreement');
  const autodiff = Number(/autodiff \(backward\):\s+(\S+)/.exec(explanation)?.[1]);
  check(closeTo(autodiff, expected.get(weight), 5e-6),
        `explanation's autodiff ${autodiff}, tapegrad grad ${expected.get(weight)}`);
  check(await page.evaluate(`document.querySelector('tr.param.selected td').textContent === ${JSON.stringify(weight)}`),
        'the clicked element is selected in the panel');

  const foreign = requests.filter((url) => url !== pageUrl);
  check(foreign.length === 0, `the page requested ${foreign.join(', ')}`);
  check(requests.includes(pageUrl), 'the request log saw the page itself (the check is live)');

  // The explanation's lines wrap inside the panel rather than being cut off.
  check(await page.evaluate(`(() => { const e = document.getElementById('explain');
      return e.scrollWidth <= e.clientWidth; })()`), 'the explanation panel cuts lines off');

  await page.press('0');  // the last frame is taller than the first: fit it for the picture
  await page.evaluate('window.scrollTo(0, 0)');
  await page.screenshot(join(artifactDir, 'viewer.png'));
  await copyFile(join(work, 'viewer.html'), join(artifactDir, 'viewer.html'));

  check(await page.evaluate('document.body.dataset.view') === 'expanded', 'the seed page opens expanded');

  // The page `tapegrad dot --html` writes with its defaults (the seed network, seed 1), with
  // torch and with derivation names: every frame's smallest label at fit is at least 12 CSS px,
  // measured, and as the page estimated. Its last frame, where every weight's label carries its
  // contribution, is its widest.
  for (const names of [[], ['--names', 'derivation']]) {
    run('dot', '--html', 'default.html', ...names, 'default.svg');
    const seedPage = await browser.newPage();
    await seedPage.goto(pathToFileURL(join(work, 'default.html')).href);
    const what = ['tapegrad dot --html', ...names].join(' ');
    check(await seedPage.evaluate('document.body.dataset.view') === 'expanded', `${what}: opens expanded`);
    const frames = await seedPage.evaluate('data.frames.length');
    check(frames === 5, `${what}: ${frames} frames, expected 5`);
    let measured = Infinity;
    for (let frame = 0; frame < frames; frame += 1) {
      await seedPage.evaluate(`show(${frame}); fit();`);
      const px = await seedPage.evaluate(`Math.min(...Array.from(
          document.querySelectorAll('div.frame:not([hidden]) svg text')).map((t) =>
          Number(t.getAttribute('font-size')) * t.getBoundingClientRect().height / t.getBBox().height))`);
      check(px >= 12, `${what}, frame ${frame}: the smallest label at fit is ${px.toFixed(2)} CSS px, below 12`);
      measured = Math.min(measured, px);
    }
    const estimate = await seedPage.evaluate('data.label_px.expanded');
    check(Math.abs(measured - estimate) < 0.1, `${what}: measured ${measured}, estimated ${estimate}`);
    console.log(`${what}: smallest label at fit ${measured.toFixed(2)} CSS px (estimated ${estimate.toFixed(2)})`);
    await browser.send('Target.closeTarget', { targetId: seedPage.targetId });
  }

  // A 3-8-6-1 network (127 elements): too big to read expanded, so the page opens collapsed,
  // one vertex per tensor, legible at fit; the toggle switches view keeping the step.
  await writeFile(join(work, 'big.json'), JSON.stringify({
    name: '3-8-6-1', inputs: 3, loss: 'sse', seed: 3,
    layers: [{ units: 8, activation: 'sigmoid' }, { units: 6, activation: 'sigmoid' },
             { units: 1, activation: 'identity' }] }));
  run('init', '--model', 'big.json', '--dtype', 'F64', '--seed', '5', '--out', 'big.safetensors');
  run('grad', '--model', 'big.json', '--weights', 'big.safetensors', '--data', 'd.csv',
      '--out', 'big-g.safetensors');
  run('dot', '--model', 'big.json', '--weights', 'big.safetensors', '--data', 'd.csv', '--row', '0',
      '--html', 'big.html', 'big.svg');
  const bigGrads = readSafetensors(await readFile(join(work, 'big-g.safetensors')));
  const big = await browser.newPage();
  await big.goto(pathToFileURL(join(work, 'big.html')).href);
  const bigText = (selector) => big.evaluate(`document.querySelector(${JSON.stringify(selector)}).textContent`);
  const bigView = () => big.evaluate('document.body.dataset.view');
  const shownFrame = () => big.evaluate(`(() => { const f = document.querySelector('div.frame:not([hidden])');
      return f.dataset.view + ' ' + f.dataset.frame; })()`);
  const bigSmallest = () => big.evaluate(`Math.min(...Array.from(
      document.querySelectorAll('div.frame:not([hidden]) svg text')).map((t) =>
      Number(t.getAttribute('font-size')) * t.getBoundingClientRect().height / t.getBBox().height))`);
  const estimate = JSON.parse(await big.evaluate('JSON.stringify(data.label_px)'));
  check(await bigView() === 'collapsed', `the 3-8-6-1 page opens ${await bigView()}, not collapsed`);
  check(await shownFrame() === 'collapsed 0', `the 3-8-6-1 page shows ${await shownFrame()}`);
  check(await big.evaluate('document.querySelectorAll("div.frame:not([hidden])").length') === 1,
        'exactly one frame is visible');
  const area = JSON.parse(await big.evaluate(`JSON.stringify((() => { const a = document.getElementById('frames');
      return [a.clientWidth, a.clientHeight]; })())`));
  check(area[0] === 1021 && area[1] === 845,
        `the drawing's area is ${area.join('×')} px; tools/viewer.hpp's kDrawingArea says 1021×845`);
  const frameCount = await big.evaluate('data.frames.length');
  check(frameCount === 7, `the 3-8-6-1 page has ${frameCount} frames, expected 7`);
  const tensorCell = sumCell('layers.1.weight[2,5]');
  let measuredCollapsed = Infinity;
  for (let frame = 0; frame < frameCount; frame += 1) {
    await big.press('0');
    const px = await bigSmallest();
    measuredCollapsed = Math.min(measuredCollapsed, px);
    check(px >= 12, `3-8-6-1 collapsed frame ${frame}: the smallest label at fit is ${px.toFixed(2)} CSS px, below 12`);
    // The panel follows the steps in the collapsed view: layers.1.weight gets its sums at step 4.
    const cell = await bigText(tensorCell);
    check((frame < 4) === (cell === '—'), `3-8-6-1 frame ${frame}: ${tensorCell} shows '${cell}'`);
    if (frame < frameCount - 1) await big.press('ArrowRight');
  }
  check(Math.abs(measuredCollapsed - estimate.collapsed) < 0.1,
        `collapsed labels: measured ${measuredCollapsed}, estimated ${estimate.collapsed}`);
  // The last step's sums, shown in the collapsed view, are tapegrad grad's gradients.
  for (const [name, tensor] of Object.entries(bigGrads))
    for (const [flat, value] of tensor.values.entries()) {
      const element = elementName(name, tensor.shape, flat);
      const v = await big.evaluate(`document.querySelector(${JSON.stringify(sumCell(element))}).dataset.value`);
      check(closeTo(Number(v), value, 1e-12), `3-8-6-1 ${element}: page ${v}, tapegrad grad ${value}`);
    }
  // The toggle: to the expanded view on the same step (the last), fitted; its labels are as
  // small as estimated (below the 12 px at which the page opens collapsed); V switches back.
  await big.press('ArrowLeft');  // step 5 of 6
  await big.click('#view');
  check(await bigView() === 'expanded' && await shownFrame() === 'expanded 5',
        `after the toggle: ${await bigView()}, frame ${await shownFrame()}`);
  check((await bigText('#step')).startsWith('Backward step 5 of 6'), `after the toggle: ${await bigText('#step')}`);
  let measuredExpanded = Infinity;
  for (let frame = 0; frame < frameCount; frame += 1) {
    await big.evaluate(`show(${frame}); fit();`);
    measuredExpanded = Math.min(measuredExpanded, await bigSmallest());
  }
  check(measuredExpanded < 10 && Math.abs(measuredExpanded - estimate.expanded) < 0.1,
        `expanded 3-8-6-1 labels: measured ${measuredExpanded}, estimated ${estimate.expanded}`);
  await big.evaluate('show(5)');
  await big.press('v');
  check(await bigView() === 'collapsed' && await shownFrame() === 'collapsed 5',
        `after V: ${await bigView()}, frame ${await shownFrame()}`);
  const fittedScale = await big.evaluate(`(() => { const s = document.querySelector('div.frame:not([hidden]) svg');
      return s.getBoundingClientRect().width / s.width.baseVal.value; })()`);
  const areaWidth = area[0], areaHeight = area[1];
  const svgSize = JSON.parse(await big.evaluate(`JSON.stringify((() => { const s = document.querySelector('div.frame:not([hidden]) svg');
      return [s.width.baseVal.value, s.height.baseVal.value]; })())`));
  check(Math.abs(fittedScale - Math.min(areaWidth / svgSize[0], areaHeight / svgSize[1])) < 1e-3,
        `after V the drawing is fitted (scale ${fittedScale})`);
  // A click on a tensor lists its elements; a click on a panel row explains one.
  await big.click('div.frame:not([hidden]) g.node[data-tensor="1"]');
  const listing = await bigText('#explain');
  check(listing.startsWith('layers.0.weight [8,3]: 24 element(s)') && listing.includes('layers.0.weight[7,2]'),
        `a click on layers.0.weight lists: ${listing.slice(0, 120)}`);
  check(await big.evaluate('document.querySelectorAll("tr.param.selected").length') === 24,
        'a click on layers.0.weight selects its 24 rows in the panel');
  await big.click('tr.param');
  check((await bigText('#explain')).startsWith('∂E/∂layers.0.weight[0,0] '),
        `a row's click in the collapsed view: ${(await bigText('#explain')).slice(0, 80)}`);
  await big.press('0');
  await big.screenshot(join(artifactDir, 'viewer-collapsed.png'));

} finally {
  if (browser) await browser.close();
  await rm(work, { recursive: true, force: true });
}

if (failures > 0) {
  console.error(`viewer test: ${failures} check(s) failed`);
  process.exit(1);
}
console.log(`viewer test: ok (screenshot in ${join(artifactDir, 'viewer.png')})`);
