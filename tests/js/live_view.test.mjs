// Unit tests of the live view's decoder and frame scheduler (node --test tests/js).
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  decodeBatch, Scheduler, Curves, contourLines, layout, drawScene, probabilityLut, FLAG_PLAYING, FLAG_RESET,
  KIND_SURFACE,
} from "../../dropout_viz/ui/components/live_view/live_view.mjs";

/** A batch in the format of playground.encode_batch (2 models, a 3 x 2 grid, layers of 2, 3 and 1 units). */
function encode({ seq = 1, flags = FLAG_PLAYING, speed = 10, steps = [10, 20], points = [], history = [] } = {}) {
  const m = 2, w = 3, h = 2, units = [2, 3, 1];
  const meta = new TextEncoder().encode(JSON.stringify({ names: ["no dropout", "dropout q=0.5"] }));
  const nU = units.reduce((a, b) => a + b, 0);
  const rec = 4 + 16 * m + nU + m * w * h;
  const size = 52 + meta.length + 2 * units.length + 4 + 10 * points.length + 4 + history.length * (4 + 16 * m) + steps.length * rec;
  const buf = new ArrayBuffer(size);
  const dv = new DataView(buf);
  const u8 = new Uint8Array(buf);
  u8.set([68, 86, 76, 66, 1, flags, KIND_SURFACE, m]);
  dv.setUint32(8, seq, true); dv.setUint16(12, speed, true); dv.setUint16(14, steps.length, true);
  dv.setUint16(16, w, true); dv.setUint16(18, h, true); u8[20] = units.length; u8[21] = 4;
  [-1.75, 1.75, -1.5, 1.5, 0, 1].forEach((v, i) => dv.setFloat32(24 + 4 * i, v, true));
  dv.setUint32(48, meta.length, true);
  let at = 52;
  u8.set(meta, at); at += meta.length;
  for (const n of units) { dv.setUint16(at, n, true); at += 2; }
  dv.setUint32(at, points.length, true); at += 4;
  for (const [x, y, label, t] of points) {
    dv.setFloat32(at, x, true); dv.setFloat32(at + 4, y, true); u8[at + 8] = label; u8[at + 9] = t; at += 10;
  }
  dv.setUint32(at, history.length, true); at += 4;
  for (const s of history) { dv.setUint32(at, s, true); at += 4; }
  for (const s of history) for (let i = 0; i < 4 * m; i++) { dv.setFloat32(at, s / 1000 + i, true); at += 4; }
  for (const s of steps) {
    dv.setUint32(at, s, true);
    for (let i = 0; i < 4 * m; i++) dv.setFloat32(at + 4 + 4 * i, s + i / 8, true);
    let k = at + 4 + 16 * m;
    for (let i = 0; i < nU; i++) u8[k++] = (s / 10 + i) % 2;
    for (let i = 0; i < m * w * h; i++) u8[k++] = (s + i * 40) % 256;
    at += rec;
  }
  return new Uint8Array(buf);
}

test("decodes header, points, history and snapshots", () => {
  const b = decodeBatch(encode({ seq: 7, flags: FLAG_RESET, points: [[0.5, -1, 1, 0], [1.25, 0.25, 0, 1]], history: [10, 20, 30] }));
  assert.equal(b.seq, 7);
  assert.equal(b.flags, FLAG_RESET);
  assert.deepEqual([b.models, b.width, b.height, b.speed], [2, 3, 2, 10]);
  assert.deepEqual(b.domain, [-1.75, 1.75, -1.5, 1.5]);
  assert.deepEqual(b.units, [2, 3, 1]);
  assert.deepEqual(b.meta.names, ["no dropout", "dropout q=0.5"]);
  assert.deepEqual(Array.from(b.points.x), [0.5, 1.25]);
  assert.deepEqual(Array.from(b.points.test), [0, 1]);
  assert.deepEqual(Array.from(b.history.steps), [10, 20, 30]);
  assert.equal(b.history.values.length, 3 * 2 * 4);
  assert.deepEqual(b.snapshots.map((s) => s.step), [10, 20]);
  const s = b.snapshots[1];
  assert.equal(s.metrics[0], 20);
  assert.equal(s.metrics[3], 20.375);
  assert.deepEqual(Array.from(s.mask), [0, 1, 0, 1, 0, 1]);
  assert.deepEqual(Array.from(s.grid.subarray(0, 3)), [20, 60, 100]);
  assert.equal(s.grid.length, 12);
});

test("accepts an ArrayBuffer or a DataView and refuses what is not a batch", () => {
  const bytes = encode();
  assert.equal(decodeBatch(bytes.buffer).snapshots.length, 2);
  assert.equal(decodeBatch(new DataView(bytes.buffer)).snapshots.length, 2);
  const bad = bytes.slice();
  bad[0] = 88;
  assert.throws(() => decodeBatch(bad), /snapshot batch/);
  assert.throws(() => decodeBatch(bytes.slice(0, bytes.length - 1)), /header describes/);
  assert.throws(() => decodeBatch("DVLB"), /bytes/);
});

test("the scheduler shows one snapshot per frame interval, in order, never one twice", () => {
  const s = new Scheduler({ fps: 30, lowWater: 2 });
  s.push(decodeBatch(encode({ seq: 1, flags: FLAG_RESET, steps: [0] })));
  assert.equal(s.current.step, 0);
  assert.equal(s.playing, false);
  s.play(0);
  s.push(decodeBatch(encode({ seq: 2, steps: [10, 20, 30, 40] })));
  const shown = [];
  // A display at 120 Hz: 30 frames a second means a new snapshot every fourth refresh.
  for (let t = 0; t <= 1000 / 30 * 3 + 1; t += 1000 / 120) {
    const snap = s.tick(t);
    if (snap) shown.push([Math.round(t), snap.step]);
  }
  assert.deepEqual(shown.map((x) => x[1]), [10, 20, 30, 40]);
  const gaps = shown.slice(1).map((x, i) => x[0] - shown[i][0]);
  assert.ok(gaps.every((g) => g >= 33 - 1 && g <= 34 + 1), String(gaps));
  // The queue ran dry: nothing more is shown (the picture holds), and no snapshot is made up.
  assert.equal(s.tick(500), null);
  assert.ok(s.stalls > 0);
});

test("the scheduler asks for the next batch once while it still has frames to show", () => {
  const s = new Scheduler({ fps: 30, lowWater: 2, retryMs: 1000 });
  s.push(decodeBatch(encode({ seq: 1, flags: FLAG_RESET | FLAG_PLAYING, steps: [10, 20, 30, 40] })));
  s.play(0);
  assert.equal(s.wantMore(0), false); // 3 queued after the first: above the low-water mark
  s.tick(0);
  assert.equal(s.queue.length, 2);
  assert.equal(s.wantMore(1), true);
  assert.equal(s.wantMore(2), false); // asked already
  assert.equal(s.tail.step, 40);
  s.push(decodeBatch(encode({ seq: 2, steps: [50, 60] })));
  assert.deepEqual(s.queue.map((x) => x.step), [30, 40, 50, 60]);
  assert.equal(s.asked, null);
  // An answer lost on the way: after retryMs the scheduler asks again.
  s.tick(40); s.tick(80); s.tick(120);
  assert.equal(s.wantMore(200), true);
  assert.equal(s.wantMore(700), false);
  assert.equal(s.wantMore(1300), true);
  // A page run ended and sent the batch the view already has while the request was outstanding: it may have been
  // lost, so the scheduler asks again at once, once per request; a new batch clears that.
  assert.equal(s.push(decodeBatch(encode({ seq: 2, steps: [50, 60] }))), "old");
  assert.equal(s.wantMore(1301), true);
  assert.equal(s.push(decodeBatch(encode({ seq: 2, steps: [50, 60] }))), "old");
  assert.equal(s.wantMore(1302), false);
  assert.equal(s.wantMore(2301), true); // then the timer again
  s.push(decodeBatch(encode({ seq: 3, steps: [70, 80] })));
  assert.equal(s.push(decodeBatch(encode({ seq: 3, steps: [70, 80] }))), "old");
  assert.equal(s.wantMore(2400), false); // nothing outstanding: a resend asks nothing
});

test("old and stale batches are ignored; pause stops on the snapshot shown", () => {
  const s = new Scheduler({ fps: 30 });
  s.push(decodeBatch(encode({ seq: 3, flags: FLAG_RESET | FLAG_PLAYING, steps: [10, 20, 30] })));
  s.play(0);
  assert.equal(s.push(decodeBatch(encode({ seq: 3, steps: [40] }))), "old");
  assert.equal(s.push(decodeBatch(encode({ seq: 4, steps: [20, 30] }))), "dropped");
  const shown = s.tick(0);
  assert.equal(shown.step, 20);
  assert.equal(s.pause().step, 20);
  assert.equal(s.tick(1000), null);
  assert.equal(s.current.step, 20);
  assert.equal(s.wantMore(1000), false);
  // A batch asked for before the pause arrives after it: it is not played.
  assert.equal(s.push(decodeBatch(encode({ seq: 5, steps: [40, 50] }))), "held");
  assert.equal(s.playing, false);
  assert.equal(s.tick(2000), null);
  // The server's answer to the pause: a paused reset batch at the same step.
  assert.equal(s.push(decodeBatch(encode({ seq: 6, flags: FLAG_RESET, steps: [20] }))), "reset");
  assert.equal(s.current.step, 20);
  assert.equal(s.playing, false);
});

test("curves grow with the snapshots shown and thin like the server's history", () => {
  const c = new Curves(2, 8);
  c.load({ steps: new Float64Array([10, 20]), values: new Float32Array(16) });
  for (let s = 30; s <= 120; s += 10) c.add({ step: s, metrics: new Float32Array(8).fill(s) });
  c.add({ step: 120, metrics: new Float32Array(8) }); // the same step again is not added twice
  assert.ok(c.steps.length <= 8);
  assert.equal(c.steps[c.steps.length - 1], 120);
  assert.ok(c.steps.every((v, i) => i === 0 || v > c.steps[i - 1]));
  assert.equal(c.steps[c.nearest(61)], c.steps.reduce((a, b) => (Math.abs(b - 61) < Math.abs(a - 61) ? b : a)));
});

test("the curves' version changes exactly when a point other than the newest changes", () => {
  // The view keeps the older part of the shaded gaps in a layer keyed on this version.
  const c = new Curves(1, 6);
  const v0 = c.version;
  c.load({ steps: new Float64Array([10]), values: new Float32Array(4) });
  const v1 = c.version;
  assert.notEqual(v1, v0);
  const before = [...c.steps];
  for (let s = 20; s <= 60; s += 10) {
    c.add({ step: s, metrics: new Float32Array(4).fill(s) });
    assert.equal(c.version, v1); // appended: the older points are as they were
  }
  assert.deepEqual(c.steps.slice(0, before.length), before);
  c.add({ step: 70, metrics: new Float32Array(4).fill(70) }); // 7 points > 6: thinned
  assert.notEqual(c.version, v1);
  const v2 = c.version;
  c.truncate(1000); // nothing beyond the last step: unchanged
  assert.equal(c.version, v2);
  c.truncate(40);
  assert.notEqual(c.version, v2);
});

test("the P = 0.5 contour of a step between two columns is one vertical line between them", () => {
  const w = 4, h = 3;
  const grid = new Uint8Array(w * h);
  for (let j = 0; j < h; j++) for (let i = 0; i < w; i++) grid[j * w + i] = i < 2 ? 0 : 255;
  const lines = contourLines(grid, 0, w, h);
  assert.equal(lines.length, 1);
  assert.equal(lines[0].length, 2 * h); // a point on each row, joined into one line
  for (let k = 0; k < lines[0].length; k += 2) assert.ok(Math.abs(lines[0][k] - 1.5) < 1e-9);
  assert.deepEqual(contourLines(new Uint8Array(w * h), 0, w, h), []);
});

test("the contour's lines hold every cell's segment once, closed lines end where they start", () => {
  // A bump in the middle: one closed line around it.
  const bump = Uint8Array.from({ length: 25 }, (_, k) => (k === 12 ? 255 : 0));
  const [ring, ...rest] = contourLines(bump, 0, 5, 5);
  assert.equal(rest.length, 0);
  assert.deepEqual(ring.slice(0, 2), ring.slice(-2));
  // Random grids (saddles included): as many segments as marching squares draws, every point on an edge it crosses.
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (let t = 0; t < 100; t++) {
    const w = 5 + (t % 9), h = 4 + (t % 7), level = 127.5;
    const g = Uint8Array.from({ length: w * h }, () => Math.floor(rnd() * 256));
    const at = (i, j) => g[j * w + i];
    let expected = 0;
    for (let j = 0; j + 1 < h; j++) {
      for (let i = 0; i + 1 < w; i++) {
        const c = [at(i, j), at(i + 1, j), at(i + 1, j + 1), at(i, j + 1)].map((v) => v > level);
        const crossings = c.filter((v, k) => v !== c[(k + 1) % 4]).length;
        expected += crossings / 2;
      }
    }
    const lines = contourLines(g, 0, w, h, level);
    assert.equal(lines.reduce((n, pts) => n + pts.length / 2 - 1, 0), expected);
    for (const pts of lines) {
      for (let k = 0; k < pts.length; k += 2) {
        const [x, y] = [pts[k], pts[k + 1]];
        const onX = Number.isInteger(x), onY = Number.isInteger(y);
        assert.ok(onX || onY);
        // the level lies between the two ends of the edge the point is on
        const [a, b] = onY ? [at(Math.floor(x), y), at(Math.floor(x) + 1, y)] : [at(x, Math.floor(y)), at(x, Math.floor(y) + 1)];
        assert.ok((a > level) !== (b > level));
      }
    }
  }
});

test("the layout keeps every panel inside the scene, on a page and on a projector", () => {
  for (const [w, h] of [[900, 450], [1600, 900], [1700, 560]]) {
    const L = layout(KIND_SURFACE, 3, w, h, 16);
    for (const b of [...L.surfaces, L.net, L.loss, L.acc]) {
      assert.ok(b.x >= 0 && b.y >= 0 && b.x + b.w <= w + 1e-6 && b.y + b.h <= h + 1e-6, JSON.stringify([w, h, b]));
      assert.ok(b.w > 40 && b.h > 40);
    }
    assert.equal(L.wide, w / h >= 2.3);
  }
});

test("MaskHold keeps a mask for holdMs while playing, and counts the changes", async () => {
  const { MaskHold, MASK_HOLD_MS } = await import("../../dropout_viz/ui/components/live_view/live_view.mjs");
  assert.ok(MASK_HOLD_MS >= 300);
  const snaps = Array.from({ length: 20 }, (_, i) => ({ step: i, mask: Uint8Array.of(i % 2, 1 - (i % 2), 1) }));
  const hold = new MaskHold(350);
  const shown = snaps.map((s, i) => hold.pick(s, i * 125, true)); // 8 frames a second
  // A new mask at 0, 375, 750, ... ms: every third frame, never two changes closer than 350 ms.
  const changesAt = shown.map((s, i) => (i > 0 && s !== shown[i - 1] ? i * 125 : null)).filter((t) => t !== null);
  assert.deepEqual(changesAt.slice(0, 3), [375, 750, 1125]);
  assert.equal(hold.changes, changesAt.length);
  assert.ok(hold.minHeldMs >= 350);
  // Paused: the current snapshot at once.
  assert.equal(hold.pick(snaps[5], 2600, false), snaps[5]);
  // No hold (normal motion): every frame its own mask.
  const free = new MaskHold(0);
  assert.deepEqual(snaps.map((s, i) => free.pick(s, i * 33, true)), snaps);
  assert.equal(free.changes, snaps.length - 1);
});

/** A painter that records what is drawn, and keeps each slot's drawing until its key changes (as the page's). */
class Recorder {
  constructor() { this.calls = []; this.slots = new Map(); this.slotDraws = {}; this.in = null; }
  clear() {}
  wipe() {}
  rect() {}
  text() {}
  image() {}
  marker() {}
  segments(s) { this.calls.push({ kind: "segments", n: s.length / 4, in: this.in }); }
  lines() {}
  polygon() {}
  polyline(xs, ys, color, lw, dash = null, dashOffset = 0) {
    this.calls.push({ kind: "polyline", xs: Array.from(xs), ys: Array.from(ys), color, dash, dashOffset, in: this.in });
  }
  cached(key, x, y, w, h, draw) { draw(this); }
  clip(x, y, w, h, draw) { draw(); }
  slot(name, key, x, y, w, h, draw) {
    if (this.slots.get(name) === key) return;
    this.slots.set(name, key);
    this.slotDraws[name] = (this.slotDraws[name] || 0) + 1;
    const outer = this.in;
    this.in = name;
    draw(this);
    this.in = outer;
  }
}

/** The view's state for a decoded batch, as LiveView.update builds it. */
function sceneState(batch) {
  const labels = { step: "Step", test: "test", gap: "gap", loss: "Loss", accuracy: "Accuracy", mask: "Mask",
    maskShort: "Mask", trainStep: "training step", fits: "Fits", legend: [] };
  const meta = { ...batch.meta, labels, colors: ["#D55E00", "#0072B2"], presenter: false, regression: false };
  const st = { kind: batch.kind, models: batch.models, width: batch.width, height: batch.height, domain: batch.domain,
    range: batch.range, units: batch.units, points: batch.points, lut: probabilityLut(), seq0: batch.seq, rgba: null,
    meta, curves: new Curves(batch.models) };
  return st;
}

const length = (xs, ys) => xs.slice(1).reduce((a, x, i) => a + Math.hypot(x - xs[i], ys[i + 1] - ys[i]), 0);

test("each curve is its kept older part and its newest points, meeting at one point, one dash pattern", () => {
  const steps = Array.from({ length: 75 }, (_, i) => 10 * (i + 1));
  const batch = decodeBatch(encode({ steps, flags: FLAG_RESET }));
  const st = sceneState(batch);
  for (const snap of batch.snapshots) st.curves.add(snap);
  const p = new Recorder();
  drawScene(p, st, batch.snapshots.at(-1), 1200, 600);
  const lines = p.calls.filter((c) => c.kind === "polyline");
  const kept = lines.filter((c) => c.in === "curves0" || c.in === "curves2");
  const fresh = lines.filter((c) => c.in === null);
  // Loss and accuracy, two models, train and test: 8 lines, each in two parts.
  assert.equal(kept.length, 8);
  assert.equal(fresh.length, 8);
  const n = st.curves.steps.length;
  for (let i = 0; i < 8; i++) {
    const a = kept[i], b = fresh[i];
    assert.equal(a.xs.length + b.xs.length, n + 1); // every point once, the seam twice
    assert.deepEqual([a.xs.at(-1), a.ys.at(-1)], [b.xs[0], b.ys[0]]);
    assert.ok(b.xs.length <= 33); // at most GAP_BLOCK new points are stroked each frame
    assert.equal(a.dash === null, b.dash === null);
    if (b.dash) assert.ok(Math.abs(b.dashOffset - length(a.xs, a.ys)) < 1e-6 * Math.max(1, b.dashOffset));
    else assert.equal(b.dashOffset, 0);
  }
  // The next frame adds one point: the kept parts are not stroked again.
  st.curves.add({ ...batch.snapshots.at(-1), step: 760 });
  const before = { ...p.slotDraws };
  p.calls = [];
  drawScene(p, st, { ...batch.snapshots.at(-1), step: 760 }, 1200, 600);
  assert.deepEqual(p.slotDraws, before);
  assert.equal(p.calls.filter((c) => c.kind === "polyline" && c.in !== null).length, 0);
});

test("the network is drawn again only when the mask shown changes", () => {
  const batch = decodeBatch(encode({ steps: [10, 20, 30], flags: FLAG_RESET }));
  const st = sceneState(batch);
  const p = new Recorder();
  const [a, b] = batch.snapshots; // masks differ from one snapshot to the next (see encode)
  drawScene(p, st, a, 1200, 600);
  drawScene(p, st, { ...b, mask: a.mask }, 1200, 600); // a later step, the same mask held
  assert.equal(p.slotDraws.net, 1);
  drawScene(p, st, b, 1200, 600);
  assert.equal(p.slotDraws.net, 2);
  // What it draws: an edge between every pair of kept units of neighbouring layers.
  const units = batch.units;
  const kept = [];
  let at = 0;
  for (const n of units) { kept.push(Array.from(b.mask.slice(at, at + n))); at += n; }
  let edges = 0;
  for (let l = 0; l + 1 < units.length; l++) edges += kept[l].filter(Boolean).length * kept[l + 1].filter(Boolean).length;
  const drawn = p.calls.filter((c) => c.kind === "segments" && c.in === "net");
  assert.equal(drawn.at(-2).n, edges);
});

test("the canvas painter sets a font only when it changes, and again after a clip", async () => {
  const { CanvasPainter } = await import("../../dropout_viz/ui/components/live_view/live_view.mjs");
  const sets = [];
  const drawn = [];
  const ctx = {
    setTransform() {}, save() {}, restore() {}, beginPath() {}, rect() {}, clip() {},
    set font(f) { sets.push(f); }, get font() { return sets.at(-1); },
    fillText(s) { drawn.push([s, sets.at(-1)]); },
  };
  const p = new CanvasPainter(ctx, 1);
  p.text("a", 0, 0, { size: 14, weight: "bold" });
  p.text("b", 0, 0, { size: 14, weight: "bold" });
  p.text("c", 0, 0, { size: 12 });
  assert.equal(sets.length, 2);
  p.clip(0, 0, 10, 10, () => p.text("d", 0, 0, { size: 12 }));
  p.text("e", 0, 0, { size: 12 }); // restore() may have brought back another font: set again
  assert.equal(sets.length, 3);
  assert.deepEqual(drawn.map(([s, f]) => [s, f.split("px")[0]]),
    [["a", "bold 14"], ["b", "bold 14"], ["c", "normal 12"], ["d", "normal 12"], ["e", "normal 12"]]);
});

test("thinning keeps the same points of the steps and the values, whatever the loaded history's length", () => {
  // A view reset with a long history from the server, then played on: each step keeps its own values.
  for (const loaded of [599, 600, 649, 650, 1300]) {
    const c = new Curves(1, 600);
    const steps = Float64Array.from({ length: loaded }, (_, i) => 10 * (i + 1));
    const values = new Float32Array(loaded * 4).map((_, k) => 10 * (Math.floor(k / 4) + 1));
    c.load({ steps, values });
    for (let s = 10 * (loaded + 1); s <= 10 * (loaded + 5); s += 10) c.add({ step: s, metrics: new Float32Array(4).fill(s) });
    assert.equal(c.values.length, c.steps.length, `history of ${loaded}`);
    assert.ok(c.steps.length <= 600);
    c.steps.forEach((s, i) => assert.equal(c.values[i][0], s, `history of ${loaded}, point ${i}`));
    assert.equal(c.steps.at(-1), 10 * (loaded + 5));
  }
});

/** A 2-D context that records the calls made on it (and accepts any property), for the canvas painter. */
function recordingContext(log) {
  return new Proxy({}, {
    get(t, k) {
      if (k in t) return t[k];
      return (...a) => {
        log.push([k, ...a]);
        return k === "createImageData" ? { data: new Uint8ClampedArray(a[0] * a[1] * 4) } : undefined;
      };
    },
    set(t, k, v) { t[k] = v; return true; },
  });
}

test("a frame of playback redraws only what changes; a changed fixed layer makes it a full frame", async () => {
  const { CanvasPainter } = await import("../../dropout_viz/ui/components/live_view/live_view.mjs");
  const layers = [];
  globalThis.OffscreenCanvas = class { // the painter's layers, off the page
    constructor(w, h) { this.width = w; this.height = h; this.log = []; layers.push(this); }
    getContext() { return this.ctx || (this.ctx = recordingContext(this.log)); }
  };
  try {
    const steps = Array.from({ length: 50 }, (_, i) => 10 * (i + 1));
    const batch = decodeBatch(encode({ steps, flags: FLAG_RESET, points: [[0, 0, 1, 0], [0.5, -0.5, 0, 1]] }));
    const st = sceneState(batch);
    // Losses that stay on the axes (the encoded ones grow with the step).
    const snaps = batch.snapshots.map((s) => ({ ...s, metrics: batch.snapshots[0].metrics.map((v, i) => (i % 4 < 2 ? 0.5 : 0.9) + 0.01 * (s.step % 7)) }));
    for (const s of snaps.slice(0, 45)) st.curves.add(s); // steps 10 to 450: the step axis stays at 600
    const log = [];
    const p = new CanvasPainter(recordingContext(log), 1);
    const W = 1200, H = 600;
    const count = (calls, name) => calls.filter((c) => c[0] === name).length;
    p.begin(true); // nothing on the canvas yet: a full frame
    assert.equal(p.inc, false);
    drawScene(p, st, snaps[44], W, H);
    assert.equal(p.end(), true);
    const full = log.splice(0);
    assert.ok(full.some((c) => c[0] === "fillRect" && c[3] === W && c[4] === H)); // cleared whole
    // The next frame, the same mask held: the header's text and the plots, nothing fixed drawn again.
    st.curves.add(snaps[45]);
    p.begin(true);
    assert.equal(p.inc, true);
    drawScene(p, st, { ...snaps[45], mask: snaps[44].mask }, W, H);
    assert.equal(p.end(), true);
    const inc = log.splice(0);
    assert.ok(!inc.some((c) => c[0] === "fillRect" && c[3] === W && c[4] === H));
    assert.equal(count(inc, "fillText"), 1 + st.models); // the step and each model's metrics
    assert.ok(count(full, "fillText") === 1 + st.models); // (the rest of the full frame's text is in layers)
    // Blitted: the two surfaces, the points over them (clipped to the plots) and the curves' kept parts; not the
    // axes, titles or the network (its mask is the same).
    assert.equal(count(inc, "drawImage"), 2 * st.models + 2);
    assert.ok(count(full, "drawImage") > count(inc, "drawImage") + 3);
    // What is wiped: the header, each surface plot and the two curve plots, all inside the scene.
    const wipes = inc.filter((c) => c[0] === "fillRect");
    assert.equal(wipes.length, 1 + st.models + 2);
    for (const [, x, y, w, h] of wipes) assert.ok(x >= -2 && y >= 0 && x + w <= W + 4 && y + h <= H + 4);
    // A new mask: the network's box is wiped and drawn again, over its labels.
    st.curves.add(snaps[46]);
    st.curves.add(snaps[47]);
    p.begin(true);
    drawScene(p, st, snaps[47], W, H); // step 480: another mask than step 450's
    assert.equal(p.end(), true);
    const masked = log.splice(0);
    assert.equal(count(masked, "drawImage"), 2 * st.models + 2 + 2);
    // A loss far above the axis: the loss panel's axes change, so the frame is not complete.
    const big = { ...snaps[48], metrics: snaps[48].metrics.map((v) => v * 10) };
    st.curves.add(big);
    p.begin(true);
    drawScene(p, st, big, W, H);
    assert.equal(p.end(), false);
    p.begin(true); // after an incomplete frame the next is full
    assert.equal(p.inc, false);
  } finally {
    delete globalThis.OffscreenCanvas;
  }
});
