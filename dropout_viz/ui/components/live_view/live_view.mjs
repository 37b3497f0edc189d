// Dropout Lab's live view: plays batches of training snapshots sent by the server (a Streamlit components-v2
// component, mounted in the page). Plain ES module, no build step, nothing loaded from the internet.
//
// The server sends bytes (see dropout_viz/lessons/live_training/experiment.py for the format); decodeBatch reads them, a Scheduler
// hands out one snapshot per frame at a steady rate and says when to ask for the next batch, and the
// painters draw the scene on a canvas (the page), a big canvas (PNG download) or an SVG string.
// decodeBatch and Scheduler use no DOM: tests/js runs them under Node.

export const FLAG_PLAYING = 1;
export const FLAG_RESET = 2;
export const FLAG_DIVERGED = 4;
export const KIND_SURFACE = 0;
export const KIND_CURVE = 1;
export const KIND_NONE = 2;
const HEAD_BYTES = 52;

/** Read a snapshot batch (ArrayBuffer, typed array or DataView) into plain arrays. Throws on a bad header. */
export function decodeBatch(input) {
  const bytes = toBytes(input);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < HEAD_BYTES || String.fromCharCode(...bytes.subarray(0, 4)) !== "DVLB" || bytes[4] !== 1) {
    throw new Error("not a version-1 snapshot batch");
  }
  const b = {
    flags: bytes[5], kind: bytes[6], models: bytes[7], seq: dv.getUint32(8, true), speed: dv.getUint16(12, true),
    width: dv.getUint16(16, true), height: dv.getUint16(18, true),
  };
  const nSnap = dv.getUint16(14, true);
  const nLayers = bytes[20];
  const nMetrics = bytes[21];
  b.domain = [0, 1, 2, 3].map((i) => dv.getFloat32(24 + 4 * i, true));
  b.range = [dv.getFloat32(40, true), dv.getFloat32(44, true)];
  const metaLen = dv.getUint32(48, true);
  let at = HEAD_BYTES;
  b.meta = JSON.parse(new TextDecoder().decode(bytes.subarray(at, at + metaLen)));
  at += metaLen;
  b.units = [];
  for (let i = 0; i < nLayers; i++, at += 2) b.units.push(dv.getUint16(at, true));
  const nPts = dv.getUint32(at, true);
  at += 4;
  b.points = { x: new Float32Array(nPts), y: new Float32Array(nPts), label: new Uint8Array(nPts), test: new Uint8Array(nPts) };
  for (let i = 0; i < nPts; i++, at += 10) {
    b.points.x[i] = dv.getFloat32(at, true);
    b.points.y[i] = dv.getFloat32(at + 4, true);
    b.points.label[i] = bytes[at + 8];
    b.points.test[i] = bytes[at + 9];
  }
  const t = dv.getUint32(at, true);
  at += 4;
  const m = b.models;
  b.history = { steps: new Float64Array(t), values: new Float32Array(t * m * nMetrics) };
  for (let i = 0; i < t; i++, at += 4) b.history.steps[i] = dv.getUint32(at, true);
  for (let i = 0; i < t * m * nMetrics; i++, at += 4) b.history.values[i] = dv.getFloat32(at, true);
  const nUnits = b.units.reduce((a, c) => a + c, 0);
  const cells = b.width * b.height;
  const size = 4 + 4 * m * nMetrics + nUnits + m * cells;
  if (at + nSnap * size !== bytes.byteLength) {
    throw new Error(`batch has ${bytes.byteLength} bytes, its header describes ${at + nSnap * size}`);
  }
  b.snapshots = [];
  for (let s = 0; s < nSnap; s++, at += size) {
    const metrics = new Float32Array(m * nMetrics);
    for (let i = 0; i < m * nMetrics; i++) metrics[i] = dv.getFloat32(at + 4 + 4 * i, true);
    const maskAt = at + 4 + 4 * m * nMetrics;
    b.snapshots.push({
      step: dv.getUint32(at, true), metrics,
      mask: bytes.subarray(maskAt, maskAt + nUnits), grid: bytes.subarray(maskAt + nUnits, maskAt + nUnits + m * cells),
    });
  }
  return b;
}

function toBytes(input) {
  if (input instanceof Uint8Array) return input;
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  throw new Error("snapshot batch must be bytes");
}

/**
 * Plays snapshots one per frame at `fps` and decides when to ask for more. Pure bookkeeping: the caller
 * passes the time (ms) and does the drawing and the asking.
 *  - push(batch): a reset batch replaces everything; a continuation is appended when it starts right after
 *    the last queued step, and is otherwise dropped (it belonged to an older request).
 *  - tick(now): the snapshot to show now, or null (not yet time, paused, or nothing queued: the picture holds).
 *  - wantMore(now): true once when the queue runs low while playing; the caller then asks the server. It asks
 *    again after retryMs without an answer, or at once when a batch it already has comes back meanwhile.
 */
export class Scheduler {
  constructor({ fps = 30, lowWater = 8, retryMs = 3000 } = {}) {
    this.interval = 1000 / fps;
    this.lowWater = lowWater;
    this.retryMs = retryMs;
    this.queue = [];
    this.current = null;
    this.playing = false;
    this.lastSeq = -1;
    this.asked = null; // time of the outstanding request, or null
    this.reasked = false; // the outstanding request was sent again after a page run that did not answer it
    this.next = 0; // time the next frame is due
    this.stalls = 0;
  }

  get tail() {
    return this.queue.length ? this.queue[this.queue.length - 1] : this.current;
  }

  push(batch) {
    if (batch.seq <= this.lastSeq) {
      // A page run (a value moved while playing) ended and sent what the view already has while a request was
      // outstanding: the request may have been lost. Ask again at the next tick, once per request (a repeated
      // request costs the server no training: it answers with the same batch).
      if (this.asked !== null && this.playing && !this.reasked) {
        this.asked = -Infinity;
        this.reasked = true;
      }
      return "old";
    }
    this.lastSeq = batch.seq;
    this.asked = null;
    this.reasked = false;
    // Paused here while a batch was on its way: it was asked for before the pause and is not played.
    if (this.holding && batch.flags & FLAG_PLAYING) return "held";
    this.holding = false;
    const wasPlaying = this.playing;
    this.playing = (batch.flags & FLAG_PLAYING) !== 0;
    if (batch.flags & FLAG_RESET) {
      this.queue = batch.snapshots.slice();
      if (!this.playing || !wasPlaying || !this.current) {
        // Paused (or starting): show the batch's first snapshot now.
        this.current = this.queue.shift() || this.current;
        return "reset";
      }
      return "reset";
    }
    const tail = this.tail;
    const first = batch.snapshots[0];
    if (tail && first && first.step !== tail.step + batch.speed && first.step <= tail.step) return "dropped";
    this.queue.push(...batch.snapshots);
    return "appended";
  }

  tick(now) {
    if (!this.playing || !this.queue.length) {
      if (this.playing && !this.queue.length && now >= this.next) this.stalls += 1;
      return null;
    }
    if (now + 1 < this.next) return null;
    // Steady rate: the next frame is due one interval after this one was due (not after now), unless we
    // fell far behind (a hidden tab), then the schedule restarts from now.
    this.next = now - this.next > 4 * this.interval ? now + this.interval : this.next + this.interval;
    this.current = this.queue.shift();
    return this.current;
  }

  wantMore(now) {
    if (!this.playing || this.queue.length > this.lowWater) return false;
    if (this.asked !== null && now - this.asked < this.retryMs) return false;
    this.asked = now;
    return true;
  }

  pause() {
    this.playing = false;
    this.holding = true;
    this.queue = [];
    this.asked = null;
    return this.current;
  }

  play(now) {
    this.playing = true;
    this.holding = false;
    this.next = now;
  }
}

// --- colours and small helpers ---------------------------------------------------------------------------

const BLUE = [0, 114, 178];
const VERMILLION = [213, 94, 0];
const TEXT = "#1A1A1A";
const GRID = "#DDDDDD";
const GHOST = "#9A9A9A";

function mixWhite(rgb, t) {
  return rgb.map((v) => Math.round(255 + (v - 255) * t));
}

/** 256 RGBA entries: byte 0 pale blue (class 0), 128 white, 255 pale vermillion (class 1), as PROB_SCALE. */
export function probabilityLut() {
  const lut = new Uint8ClampedArray(256 * 4);
  const lo = mixWhite(BLUE, 0.65);
  const hi = mixWhite(VERMILLION, 0.65);
  for (let b = 0; b < 256; b++) {
    const v = b / 255;
    const end = v < 0.5 ? lo : hi;
    const t = Math.abs(v - 0.5) * 2;
    for (let c = 0; c < 3; c++) lut[4 * b + c] = Math.round(255 + (end[c] - 255) * t);
    lut[4 * b + 3] = 255;
  }
  return lut;
}

/**
 * The level `level` (in byte units) of a w x h grid (rows from the bottom), by marching squares, joined into
 * lines: a flat array of points [x0, y0, x1, y1, ...] per line (closed lines end where they start). A cell's
 * segments meet its neighbours' where they cross the same cell edge, so they are joined by edge, not by comparing
 * coordinates; each point is the edge's linear crossing, computed once. One stroke of a few long lines costs far
 * less to paint than one of hundreds of separate pieces.
 */
export function contourLines(grid, offset, w, h, level = 127.5) {
  const at = (i, j) => grid[offset + j * w + i];
  // Edge ids: 2 (j w + i) for the edge from (i, j) to (i + 1, j), 2 (j w + i) + 1 for (i, j) to (i, j + 1).
  const point = (e) => {
    const k = e >> 1, i = k % w, j = (k - i) / w;
    if (e & 1) { const a = at(i, j), b = at(i, j + 1); return [i, j + (level - a) / (b - a)]; }
    const a = at(i, j), b = at(i + 1, j);
    return [i + (level - a) / (b - a), j];
  };
  const next = new Map(); // edge -> the one or two edges it is joined to
  const link = (e, f) => {
    const le = next.get(e); if (le) le.push(f); else next.set(e, [f]);
    const lf = next.get(f); if (lf) lf.push(e); else next.set(f, [e]);
  };
  for (let j = 0; j < h - 1; j++) {
    for (let i = 0; i < w - 1; i++) {
      const a = at(i, j), b = at(i + 1, j), c = at(i + 1, j + 1), d = at(i, j + 1);
      const es = [];
      if ((a > level) !== (b > level)) es.push(2 * (j * w + i));
      if ((b > level) !== (c > level)) es.push(2 * (j * w + i + 1) + 1);
      if ((c > level) !== (d > level)) es.push(2 * ((j + 1) * w + i));
      if ((d > level) !== (a > level)) es.push(2 * (j * w + i) + 1);
      if (es.length === 2) link(es[0], es[1]);
      else if (es.length === 4) { link(es[0], es[1]); link(es[2], es[3]); } // a saddle: two segments, edges paired in order
    }
  }
  const lines = [];
  const walk = (start) => {
    const pts = [...point(start)];
    let prev = -1, cur = start;
    for (;;) {
      const ns = next.get(cur);
      next.delete(cur);
      const nx = ns.find((f) => f !== prev && (next.has(f) || f === start));
      if (nx === undefined) break;
      pts.push(...point(nx));
      if (nx === start) break;
      prev = cur; cur = nx;
    }
    lines.push(pts);
  };
  for (const [e, ns] of next) if (ns.length === 1) walk(e); // open lines start at the grid's border
  while (next.size) walk(next.keys().next().value); // closed ones anywhere
  return lines;
}

function fmt(v, digits = 3) {
  return Number.isFinite(v) ? v.toFixed(digits) : "–";
}

// --- painters: one drawing code for the page's canvas, the PNG download and the SVG download -------------------

export class CanvasPainter {
  constructor(ctx, scale) {
    this.ctx = ctx;
    this.scale = scale;
    this.inc = false; // drawing an incremental frame (begin(true)): only what changes from frame to frame
    this.fixed = null; // the keys of the layers the last full frame drew (the canvas keeps them)
    ctx.setTransform(scale, 0, 0, scale, 0, 0);
  }
  // A frame of playback changes the header, the surfaces, the curves' plots and sometimes the mask; titles, tick
  // labels and the points outside the plots stay. begin(true) starts an incremental frame: clear() and the fixed
  // layers (cached) draw nothing, each changing region is wiped and drawn again (wipe), the network only when its
  // mask changes. end() says whether the frame was complete: false when a fixed layer differs from those of the
  // last full frame (new axes, a new run), and the caller then paints a full frame.
  begin(incremental) {
    this.inc = !!incremental && this.fixed !== null;
    this.seen = new Set();
    this.miss = false;
  }
  end() {
    if (!this.inc) this.fixed = this.seen;
    const complete = !this.miss;
    this.inc = false;
    if (!complete) this.fixed = null;
    return complete;
  }
  clear(w, h) {
    if (this.inc) return;
    this.ctx.fillStyle = "#FFFFFF";
    this.ctx.fillRect(0, 0, w, h);
  }
  // White over a region drawn again in an incremental frame (a full frame has just been cleared: nothing to do).
  wipe(x, y, w, h) {
    if (!this.inc) return;
    this.ctx.fillStyle = "#FFFFFF";
    this.ctx.fillRect(x, y, w, h);
  }
  rect(x, y, w, h, fill, stroke, lw = 1) {
    const c = this.ctx;
    if (fill) { c.fillStyle = fill; c.fillRect(x, y, w, h); }
    if (stroke) { c.strokeStyle = stroke; c.lineWidth = lw; c.strokeRect(x, y, w, h); }
  }
  // Disconnected segments [x0, y0, x1, y1, ...] as one stroke.
  segments(s, color, lw = 1, dash = null) {
    const c = this.ctx;
    c.beginPath();
    for (let i = 0; i < s.length; i += 4) { c.moveTo(s[i], s[i + 1]); c.lineTo(s[i + 2], s[i + 3]); }
    c.strokeStyle = color; c.lineWidth = lw; c.setLineDash(dash || []); c.stroke(); c.setLineDash([]);
  }
  // Lines given as flat point arrays [x0, y0, x1, y1, ...], as one stroke.
  lines(list, color, lw = 1) {
    const c = this.ctx;
    c.beginPath();
    for (const pts of list) {
      c.moveTo(pts[0], pts[1]);
      for (let i = 2; i < pts.length; i += 2) c.lineTo(pts[i], pts[i + 1]);
    }
    c.strokeStyle = color; c.lineWidth = lw; c.lineJoin = "round"; c.setLineDash([]); c.stroke();
  }
  // dashOffset: where in the dash pattern the line starts (a line drawn in two parts keeps one pattern).
  polyline(xs, ys, color, lw = 1, dash = null, dashOffset = 0) {
    if (xs.length < 1) return;
    const c = this.ctx;
    c.beginPath();
    c.moveTo(xs[0], ys[0]);
    for (let i = 1; i < xs.length; i++) c.lineTo(xs[i], ys[i]);
    c.strokeStyle = color; c.lineWidth = lw; c.lineJoin = "round"; c.setLineDash(dash || []); c.lineDashOffset = dashOffset;
    c.stroke(); c.setLineDash([]); c.lineDashOffset = 0;
  }
  polygon(xs, ys, fill) {
    if (xs.length < 3) return;
    const c = this.ctx;
    c.beginPath();
    c.moveTo(xs[0], ys[0]);
    for (let i = 1; i < xs.length; i++) c.lineTo(xs[i], ys[i]);
    c.closePath(); c.fillStyle = fill; c.fill();
  }
  marker(shape, x, y, r, fill, stroke, lw) {
    const c = this.ctx;
    c.beginPath();
    if (shape === "diamond") { c.moveTo(x, y - r); c.lineTo(x + r, y); c.lineTo(x, y + r); c.lineTo(x - r, y); c.closePath(); }
    else c.arc(x, y, r, 0, 2 * Math.PI);
    if (fill) { c.fillStyle = fill; c.fill(); }
    if (stroke) { c.strokeStyle = stroke; c.lineWidth = lw; c.stroke(); }
  }
  text(s, x, y, { size = 14, color = TEXT, align = "left", baseline = "alphabetic", weight = "normal" } = {}) {
    const c = this.ctx;
    // Setting a font parses it as CSS and looks the face up again, even when it is the one already set: only
    // when it changes (clip() forgets it, since restore() may bring back another).
    const font = `${weight} ${size}px "Open Sans", "Helvetica Neue", Arial, sans-serif`;
    if (this.font !== font) { c.font = font; this.font = font; }
    c.fillStyle = color; c.textAlign = align; c.textBaseline = baseline;
    c.fillText(s, x, y);
  }
  // An image of w x h cells given as RGBA bytes, stretched over the box (rows from the top).
  image(rgba, w, h, x, y, bw, bh) {
    if (!this.tmp || this.tmp.width !== w || this.tmp.height !== h) {
      this.tmp = makeCanvas(w, h);
      this.tmpData = this.tmp.getContext("2d").createImageData(w, h);
    }
    this.tmpData.data.set(rgba);
    this.tmp.getContext("2d").putImageData(this.tmpData, 0, 0);
    this.ctx.imageSmoothingEnabled = true;
    this.ctx.drawImage(this.tmp, x, y, bw, bh);
  }
  // A layer drawn once and reused while `key` stays the same (static points, axes): only on the page. It is fixed:
  // an incremental frame leaves it on the canvas, unless `always` (drawn again over a wiped region).
  cached(key, x, y, w, h, draw, always = false) {
    if (this.seen) this.seen.add(key);
    if (this.inc && !this.fixed.has(key)) this.miss = true;
    if (this.inc && !always) return;
    this.layers = this.layers || new Map();
    let hit = this.layers.get(key);
    if (!hit) {
      if (this.layers.size > 40) this.layers.clear();
      const cv = makeCanvas(Math.ceil(w * this.scale), Math.ceil(h * this.scale));
      const p = new CanvasPainter(cv.getContext("2d"), this.scale);
      p.ctx.translate(-x, -y);
      draw(p);
      hit = cv;
      this.layers.set(key, hit);
    }
    this.ctx.drawImage(hit, x, y, w, h);
  }
  clip(x, y, w, h, draw) {
    const c = this.ctx;
    c.save(); c.beginPath(); c.rect(x, y, w, h); c.clip(); draw(); c.restore();
    this.font = null;
  }
  // A layer of its own per slot name, redrawn only when `key` changes (a curve panel's older part, the network).
  // Its corner is on whole pixels and it is drawn back pixel for pixel: where the layer meets what is drawn
  // each frame, no resampling blurs the seam. With `keep` (the network), an incremental frame leaves an unchanged
  // slot on the canvas, and for a changed one wipes its box and draws `under` (what lies beneath it) first.
  slot(name, key, x0, y0, w0, h0, draw, { keep = false, under = null } = {}) {
    const x = Math.floor(x0), y = Math.floor(y0), w = Math.ceil(x0 + w0) - x, h = Math.ceil(y0 + h0) - y;
    this.slots = this.slots || new Map();
    let hit = this.slots.get(name);
    if (!hit || hit.key !== key) {
      const cw = Math.round(w * this.scale), ch = Math.round(h * this.scale);
      const cv = hit && hit.cv.width === cw && hit.cv.height === ch ? hit.cv : makeCanvas(cw, ch);
      const ctx = cv.getContext("2d");
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, cw, ch);
      const p = new CanvasPainter(ctx, this.scale);
      p.ctx.translate(-x, -y);
      draw(p);
      hit = { key, cv };
      this.slots.set(name, hit);
    }
    if (this.inc && keep) {
      if (hit.drawnKey === key) return;
      this.wipe(x, y, w, h);
      if (under) this.clip(x, y, w, h, under);
    }
    hit.drawnKey = key;
    this.ctx.drawImage(hit.cv, x, y, w, h);
  }
}

function esc(s) {
  return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

const n2 = (v) => Math.round(v * 100) / 100;

export class SvgPainter {
  constructor() { this.out = []; this.clipId = 0; }
  clear(w, h) { this.out.push(`<rect width="${w}" height="${h}" fill="#FFFFFF"/>`); }
  wipe() {} // a download is always a full frame
  rect(x, y, w, h, fill, stroke, lw = 1) {
    this.out.push(`<rect x="${n2(x)}" y="${n2(y)}" width="${n2(w)}" height="${n2(h)}" fill="${fill || "none"}"` +
      (stroke ? ` stroke="${stroke}" stroke-width="${lw}"` : "") + "/>");
  }
  segments(s, color, lw = 1, dash = null) {
    if (!s.length) return;
    let d = "";
    for (let i = 0; i < s.length; i += 4) d += `M${n2(s[i])} ${n2(s[i + 1])}L${n2(s[i + 2])} ${n2(s[i + 3])}`;
    this.out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="${lw}"${dash ? ` stroke-dasharray="${dash.join(" ")}"` : ""}/>`);
  }
  lines(list, color, lw = 1) {
    if (!list.length) return;
    let d = "";
    for (const pts of list) {
      d += `M${n2(pts[0])} ${n2(pts[1])}`;
      for (let i = 2; i < pts.length; i += 2) d += `L${n2(pts[i])} ${n2(pts[i + 1])}`;
    }
    this.out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="${lw}" stroke-linejoin="round"/>`);
  }
  polyline(xs, ys, color, lw = 1, dash = null, dashOffset = 0) {
    if (xs.length < 1) return;
    const pts = Array.from(xs, (x, i) => `${n2(x)},${n2(ys[i])}`).join(" ");
    this.out.push(`<polyline points="${pts}" fill="none" stroke="${color}" stroke-width="${lw}" stroke-linejoin="round"` +
      (dash ? ` stroke-dasharray="${dash.join(" ")}"` + (dashOffset ? ` stroke-dashoffset="${n2(dashOffset)}"` : "") : "") +
      "/>");
  }
  polygon(xs, ys, fill) {
    if (xs.length < 3) return;
    const pts = Array.from(xs, (x, i) => `${n2(x)},${n2(ys[i])}`).join(" ");
    this.out.push(`<polygon points="${pts}" fill="${fill}"/>`);
  }
  marker(shape, x, y, r, fill, stroke, lw) {
    const style = `fill="${fill || "none"}"` + (stroke ? ` stroke="${stroke}" stroke-width="${lw}"` : "");
    if (shape === "diamond") {
      this.out.push(`<polygon points="${n2(x)},${n2(y - r)} ${n2(x + r)},${n2(y)} ${n2(x)},${n2(y + r)} ${n2(x - r)},${n2(y)}" ${style}/>`);
    } else this.out.push(`<circle cx="${n2(x)}" cy="${n2(y)}" r="${n2(r)}" ${style}/>`);
  }
  text(s, x, y, { size = 14, color = TEXT, align = "left", baseline = "alphabetic", weight = "normal" } = {}) {
    const anchor = { left: "start", center: "middle", right: "end" }[align];
    const dy = baseline === "middle" ? "0.35em" : baseline === "top" ? "0.8em" : "0";
    this.out.push(`<text x="${n2(x)}" y="${n2(y)}" dy="${dy}" font-size="${size}" font-weight="${weight}" fill="${color}" ` +
      `text-anchor="${anchor}" font-family="Open Sans, Helvetica Neue, Arial, sans-serif">${esc(s)}</text>`);
  }
  image(rgba, w, h, x, y, bw, bh) {
    const cv = makeCanvas(w, h);
    const ctx = cv.getContext("2d");
    const img = ctx.createImageData(w, h);
    img.data.set(rgba);
    ctx.putImageData(img, 0, 0);
    this.out.push(`<image x="${n2(x)}" y="${n2(y)}" width="${n2(bw)}" height="${n2(bh)}" preserveAspectRatio="none" ` +
      `href="${cv.toDataURL("image/png")}"/>`);
  }
  cached(key, x, y, w, h, draw) { draw(this); }
  slot(name, key, x, y, w, h, draw) { draw(this); }
  clip(x, y, w, h, draw) {
    const id = `c${this.clipId++}`;
    this.out.push(`<clipPath id="${id}"><rect x="${n2(x)}" y="${n2(y)}" width="${n2(w)}" height="${n2(h)}"/></clipPath><g clip-path="url(#${id})">`);
    draw();
    this.out.push("</g>");
  }
  svg(w, h, pw, ph) {
    return `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="${pw}" height="${ph}" ` +
      `viewBox="0 0 ${w} ${h}">${this.out.join("")}</svg>\n`;
  }
}

function makeCanvas(w, h) {
  if (typeof OffscreenCanvas !== "undefined" && typeof document === "undefined") return new OffscreenCanvas(w, h);
  const c = document.createElement("canvas");
  c.width = w; c.height = h;
  return c;
}

// --- the scene ---------------------------------------------------------------------------------------------

/** Boxes of the scene's panels for a w x h scene: two rows, or one row when the scene is wide (a projector). */
export function layout(kind, models, w, h, font) {
  const pad = Math.round(font * 0.9);
  const head = Math.round(font * 2.2);
  const title = Math.round(font * 1.7);
  const tickH = font * 1.5;
  const out = { head: { x: pad, y: 0, w: w - 2 * pad, h: head }, surfaces: [], pad, title, wide: w / h >= 2.3 };
  const top = head + title;
  const lx = font * 3.4; // room for the curves' y tick labels
  if (out.wide) {
    // One row: the surfaces go without tick labels (the curves keep theirs) to be as tall as the row.
    const side = h - top - font * 0.6;
    const netW = Math.max(font * 15, w * 0.15);
    let x = pad;
    if (kind === KIND_SURFACE) {
      const s = Math.min(side, (w * 0.56 - netW) / models - pad);
      for (let m = 0; m < models; m++) { out.surfaces.push({ x, y: top, w: s, h: s }); x += s + pad; }
    } else if (kind === KIND_CURVE) {
      const cw = w * 0.4;
      out.fit = { x: x + font * 2.4, y: top, w: cw - font * 2.4, h: side };
      x += cw + pad;
    }
    out.net = { x, y: top, w: netW, h: side };
    x += netW + pad;
    const cw = (w - x - 2 * pad) / 2 - lx;
    const ch = side - tickH - font * 1.4;
    out.loss = { x: x + lx, y: top, w: cw, h: ch };
    out.acc = { x: x + 2 * lx + cw + pad, y: top, w: cw, h: ch };
    return out;
  }
  const bottomH = Math.round((h - head) * (kind === KIND_NONE ? 0.62 : 0.42));
  const topH = h - head - bottomH;
  const side = topH - title - tickH;
  if (kind === KIND_SURFACE) {
    const s = Math.min(side, (w - 2 * pad - w * 0.22) / models - pad);
    for (let m = 0; m < models; m++) out.surfaces.push({ x: pad + m * (s + pad) + font * 2, y: top, w: s - font * 2, h: s - font * 2 });
    const x0 = pad + models * (s + pad);
    out.net = { x: x0, y: top, w: w - x0 - pad, h: side };
  } else if (kind === KIND_CURVE) {
    const cw = (w - 3 * pad) * 0.68;
    out.fit = { x: pad + font * 2.4, y: top, w: cw - font * 2.4, h: side };
    out.net = { x: 2 * pad + cw, y: top, w: w - 3 * pad - cw, h: side };
  } else {
    out.net = { x: pad, y: top, w: w - 2 * pad, h: side };
  }
  const y1 = head + topH + title;
  const ch = bottomH - title - font * 2.6;
  const half = (w - 3 * pad) / 2;
  out.loss = { x: pad + lx, y: y1, w: half - lx, h: ch };
  out.acc = { x: 2 * pad + half + lx, y: y1, w: half - lx, h: ch };
  return out;
}

function niceMax(v) {
  if (!(v > 0)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const k of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (k * p >= v) return k * p;
  return 10 * p;
}

function ticks(lo, hi, n = 4) {
  const span = hi - lo;
  const raw = span / n;
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((k) => k * p).find((s) => s >= raw) || raw;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(Math.round(v * 1e6) / 1e6);
  return out;
}

/** The curves' step axis: a round number at or above the last step, so it moves in jumps, not every frame. */
function curveXmax(c) {
  const n = c.steps.length;
  return niceMax(Math.max(100, n ? c.steps[n - 1] : 0));
}

function stepText(v) {
  return v >= 10000 ? `${Math.round(v / 1000)}k` : v >= 1000 ? `${n2(v / 1000)}k` : String(Math.round(v));
}

/** Curves kept in the browser: one point per shown snapshot (and the server's history on a reset). */
export class Curves {
  constructor(models, max = 600) {
    this.models = models;
    this.max = max;
    this.steps = [];
    this.values = []; // per point: Float32Array(models * 4)
    this.version = 0; // changes whenever points other than the newest change (load, thinning, truncation)
  }
  load(history) {
    const k = this.models * 4;
    this.steps = Array.from(history.steps);
    this.values = this.steps.map((_, i) => history.values.slice(i * k, (i + 1) * k));
    this.version += 1;
  }
  add(snapshot) {
    const last = this.steps.length ? this.steps[this.steps.length - 1] : -1;
    if (snapshot.step <= last || !Number.isFinite(snapshot.metrics[0])) return;
    this.steps.push(snapshot.step);
    this.values.push(snapshot.metrics);
    while (this.steps.length > this.max) {
      // Every other point, newest kept (as playground.thin). The same points of both arrays: the rule is fixed
      // before either is filtered (it once read the length of the steps already thinned, and a history of an
      // even length above max left the values one point short of the steps).
      const n = this.steps.length;
      const keep = (_, i) => (n - 1 - i) % 2 === 0;
      this.steps = this.steps.filter(keep);
      this.values = this.values.filter(keep);
      this.version += 1;
    }
  }
  truncate(step) {
    let n = this.steps.length;
    while (n && this.steps[n - 1] > step) n--;
    if (n !== this.steps.length) this.version += 1;
    this.steps.length = n;
    this.values.length = n;
  }
  nearest(step) {
    let best = -1, d = Infinity;
    for (let i = 0; i < this.steps.length; i++) {
      const e = Math.abs(this.steps[i] - step);
      if (e < d) { d = e; best = i; }
    }
    return best;
  }
}

const GAP_BLOCK = 32; // points of the shaded gaps drawn each frame at most, before they join the kept layer

/** Draw the whole scene for snapshot `snap` into painter `p` over a w x h box. */
export function drawScene(p, st, snap, w, h, hover = null) {
  const meta = st.meta;
  // Presenter mode: text at least 1/50 of a 1080-line projector's height (labels >= 22 px, ticks >= 28 px at a
  // 1920-wide screen, where the view is about 1250 px wide), scaled with the view's width on smaller screens
  // (about 17 px at 1280 x 720, where 1/50 of the height is 14.4 px).
  const font = meta.presenter ? Math.max(14, Math.min(28, w / 43)) : Math.max(12, Math.min(16, w / 85));
  st.tick = meta.presenter ? 1.0 : 0.8; // tick labels: the full font size in presenter mode
  const L = layout(st.kind, st.models, w, h, font);
  st.lastLayout = L;
  st.lastFont = font;
  p.clear(w, h);
  const colors = meta.colors;
  // Header: step and each model's test metrics.
  const step = snap ? snap.step : 0;
  p.wipe(0, 0, w, L.head.h);
  p.text(`${meta.labels.step} ${step.toLocaleString("en-US")}`, L.pad, L.head.h * 0.62, { size: font * 1.25, weight: "bold" });
  let x = L.pad + font * 11;
  for (let m = 0; m < st.models; m++) {
    const v = snap ? snap.metrics.subarray(m * 4, m * 4 + 4) : [NaN, NaN, NaN, NaN];
    // Presenter mode: the colour names the model (as on the surfaces' titles), so the line fits at projector size.
    let s = `${meta.presenter ? "" : meta.names[m] + ": "}${meta.labels.test} ${fmt(v[1])}`;
    if (!meta.regression) s += ` · ${Number.isFinite(v[3]) ? Math.round(v[3] * 100) + "%" : "–"}`;
    s += ` · ${meta.labels.gap} ${Number.isFinite(v[1] - v[0]) ? (v[1] - v[0] >= 0 ? "+" : "") + fmt(v[1] - v[0]) : "–"}`;
    p.text(s, x, L.head.h * 0.62, { size: meta.presenter ? font * 0.85 : font, color: colors[m], weight: "bold" });
    x += (w - x - L.pad) / (st.models - m) + 0;
  }
  if (st.kind === KIND_SURFACE) drawSurfaces(p, st, snap, L, font, hover);
  if (st.kind === KIND_CURVE) drawFits(p, st, snap, L, font);
  drawNetwork(p, st, snap, L.net, font, L.title);
  drawCurves(p, st, L.loss, font, 0, L.title, hover);
  if (!meta.regression) drawCurves(p, st, L.acc, font, 2, L.title, hover);
  else drawLegend(p, st, L.acc, font);
}

/** The whole pixels around box b, with margins left, top, right, bottom (the region an incremental frame redraws). */
function around(b, left, top, right, bottom) {
  const x = Math.floor(b.x) - left, y = Math.floor(b.y) - top;
  return { x, y, w: Math.ceil(b.x + b.w) + right - x, h: Math.ceil(b.y + b.h) + bottom - y };
}

function drawSurfaces(p, st, snap, L, font, hover) {
  const { width: gw, height: gh } = st;
  const [x0, x1, y0, y1] = st.domain;
  for (let m = 0; m < st.models; m++) {
    const b = L.surfaces[m];
    // What changes with the step: the plot and the border around it, on whole pixels (see CanvasPainter.begin).
    const R = around(b, 1, 1, 1, 1);
    p.wipe(R.x, R.y, R.w, R.h);
    if (snap) {
      const rgba = st.rgba || (st.rgba = new Uint8ClampedArray(gw * gh * 4));
      const off = m * gw * gh;
      for (let j = 0; j < gh; j++) {
        const row = (gh - 1 - j) * gw;
        for (let i = 0; i < gw; i++) {
          const v = snap.grid[off + j * gw + i] * 4;
          const o = (row + i) * 4;
          rgba[o] = st.lut[v]; rgba[o + 1] = st.lut[v + 1]; rgba[o + 2] = st.lut[v + 2]; rgba[o + 3] = 255;
        }
      }
      // Cells are centred on the grid points: the image spans half a cell beyond the first and last.
      p.image(rgba, gw, gh, b.x, b.y, b.w, b.h);
      // The P = 0.5 line.
      const lines = contourLines(snap.grid, off, gw, gh);
      const sx = b.w / gw, sy = b.h / gh;
      for (const pts of lines) {
        for (let i = 0; i < pts.length; i += 2) {
          pts[i] = b.x + (pts[i] + 0.5) * sx;
          pts[i + 1] = b.y + b.h - (pts[i + 1] + 0.5) * sy;
        }
      }
      p.lines(lines, "#000000", Math.max(1.5, font * 0.16));
    }
    const half = [(x1 - x0) / (gw - 1) / 2, (y1 - y0) / (gh - 1) / 2];
    const X = (v) => b.x + ((v - x0 + half[0]) / (x1 - x0 + 2 * half[0])) * b.w;
    const Y = (v) => b.y + b.h - ((v - y0 + half[1]) / (y1 - y0 + 2 * half[1])) * b.h;
    const points = (always) => p.cached(`pts${m}:${b.w}:${b.h}:${st.seq0}`, b.x - 8, b.y - 8, b.w + 16, b.h + 16, (q) => {
      const pts = st.points;
      const r = Math.min(font * 0.34, b.w / 70);
      for (let i = 0; i < pts.x.length; i++) {
        const c = pts.label[i] ? "rgb(213,94,0)" : "rgb(0,114,178)";
        if (pts.test[i]) q.marker("diamond", X(pts.x[i]), Y(pts.y[i]), r * 1.25, "#FFFFFF", c, Math.max(1.2, r * 0.45));
        else q.marker("circle", X(pts.x[i]), Y(pts.y[i]), r, c, "#FFFFFF", Math.max(0.8, r * 0.3));
      }
    }, always);
    // A full frame draws every point whole; an incremental one the parts over the wiped plot (the rest stays).
    if (p.inc) p.clip(R.x, R.y, R.w, R.h, () => points(true));
    else points(false);
    p.rect(b.x, b.y, b.w, b.h, null, "#888888", 1);
    // Titles and tick labels change only with the layout: drawn once into a layer (text is slow to paint).
    const ax = b.x - font * 2.4, ay = b.y - L.title;
    p.cached(`sax${m}:${b.x}:${b.y}:${b.w}:${b.h}:${font}:${st.meta.names[m]}`, ax, ay, b.w + font * 2.4 + 8, b.h + L.title + font * 1.8, (q) => {
      q.text(st.meta.names[m], b.x + b.w / 2, b.y - L.title * 0.35, { size: font * 1.05, color: st.meta.colors[m], align: "center", weight: "bold" });
      if (L.wide) return;
      for (const t of ticks(x0, x1, 4)) q.text(String(t), X(t), b.y + b.h + font * 1.1, { size: font * st.tick, color: "#555", align: "center" });
      for (const t of ticks(y0, y1, 4)) q.text(String(t), b.x - font * 0.4, Y(t), { size: font * st.tick, color: "#555", align: "right", baseline: "middle" });
    });
    if (hover && hover.panel === `s${m}` && snap) {
      p.clip(R.x, R.y, R.w, R.h, () => p.marker("circle", hover.x, hover.y, font * 0.3, null, "#000", 1.5));
    }
  }
}

function drawFits(p, st, snap, L, font) {
  const b = L.fit;
  const [x0, x1, y0, y1] = st.domain;
  const [lo, hi] = st.range;
  const X = (v) => b.x + ((v - x0) / (x1 - x0)) * b.w;
  const Y = (v) => b.y + b.h - ((v - y0) / (y1 - y0)) * b.h;
  p.text(st.meta.labels.fits, b.x + b.w / 2, b.y - L.title * 0.35, { size: font * 1.05, align: "center", weight: "bold" });
  p.rect(b.x, b.y, b.w, b.h, null, "#888888", 1);
  for (const t of ticks(y0, y1, 4)) {
    p.segments([b.x, Y(t), b.x + b.w, Y(t)], GRID, 1);
    p.text(String(t), b.x - font * 0.4, Y(t), { size: font * st.tick, color: "#555", align: "right", baseline: "middle" });
  }
  for (const t of ticks(x0, x1, 6)) p.text(String(t), X(t), b.y + b.h + font * 1.1, { size: font * st.tick, color: "#555", align: "center" });
  const pts = st.points;
  const r = font * 0.34;
  for (let i = 0; i < pts.x.length; i++) {
    if (pts.test[i]) p.marker("circle", X(pts.x[i]), Y(pts.y[i]), r, "#FFFFFF", "#333", 1.4);
    else p.marker("circle", X(pts.x[i]), Y(pts.y[i]), r, "#333", "#FFFFFF", 1);
  }
  if (!snap) return;
  const n = st.width;
  p.clip(b.x, b.y, b.w, b.h, () => {
    for (let m = 0; m < st.models; m++) {
      const xs = new Float32Array(n), ys = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        xs[i] = X(x0 + ((x1 - x0) * i) / (n - 1));
        ys[i] = Y(lo + ((hi - lo) * snap.grid[m * n + i]) / 255);
      }
      p.polyline(xs, ys, st.meta.colors[m], Math.max(2, font * 0.2));
    }
  });
}

function drawNetwork(p, st, snap, b, font, title) {
  const units = st.units;
  const L = units.length;
  const labels = (always) => p.cached(`net:${b.x}:${b.y}:${b.w}:${b.h}:${font}:${st.meta.labels.mask}:${L}:${st.lastLayout && st.lastLayout.wide}`, b.x - font * 4, b.y - title, b.w + font * 8, b.h + title, (q) => {
    const wide = st.lastLayout && st.lastLayout.wide;
    q.text(wide ? st.meta.labels.maskShort : st.meta.labels.mask, b.x + b.w / 2, b.y - title * 0.35,
      { size: font * (wide ? 1.05 : 0.9), align: "center", weight: "bold" });
    for (let l = 0; l < L; l++) {
      const name = l === 0 ? "in" : l === L - 1 ? "out" : `h${l}`;
      q.text(name, b.x + font + ((b.w - 2 * font) * (l + 0.5)) / L, b.y + b.h - font * 0.4, { size: font * 0.85, color: "#555", align: "center" });
    }
  }, always);
  labels(false);
  const top = b.y + font * 0.6, bottom = b.y + b.h - font * 1.8;
  const colX = (l) => b.x + font + ((b.w - 2 * font) * (l + 0.5)) / L;
  const pos = units.map((n, l) => {
    const ys = [];
    for (let u = 0; u < n; u++) ys.push(n === 1 ? (top + bottom) / 2 : top + ((bottom - top) * u) / (n - 1));
    return ys;
  });
  const kept = [];
  let at = 0, bits = "";
  for (let l = 0; l < L; l++) {
    const k = [];
    for (let u = 0; u < units[l]; u++) k.push(snap ? snap.mask[at + u] > 0 : true);
    kept.push(k);
    bits += k.map(Number).join("") + "|";
    at += units[l];
  }
  const r = Math.max(3, Math.min(font * 0.55, (bottom - top) / 16 / 2.6));
  // The mask is held for a few frames (MaskHold): the drawn network is kept in a layer until the mask changes
  // (hundreds of see-through edges are the costliest strokes of a frame).
  const key = `${bits}:${b.x}:${b.y}:${b.w}:${b.h}:${font}:${st.meta.colors[1]}`;
  p.slot("net", key, b.x, b.y, b.w, b.h, (q) => drawUnits(q, st, kept, pos, colX, r),
    { keep: true, under: () => labels(true) });
}

function drawUnits(p, st, kept, pos, colX, r) {
  const units = st.units;
  const L = units.length;
  const seg = [];
  for (let l = 0; l < L - 1; l++) {
    for (let u = 0; u < units[l]; u++) {
      if (!kept[l][u]) continue;
      for (let v = 0; v < units[l + 1]; v++) {
        if (kept[l + 1][v]) seg.push(colX(l), pos[l][u], colX(l + 1), pos[l + 1][v]);
      }
    }
  }
  p.segments(seg, "rgba(90,90,90,0.35)", 1);
  const cross = [];
  for (let l = 0; l < L; l++) {
    const x = colX(l);
    for (let u = 0; u < units[l]; u++) {
      const y = pos[l][u];
      if (kept[l][u]) p.marker("circle", x, y, r, st.meta.colors[1], "#FFFFFF", 1);
      else {
        p.marker("circle", x, y, r, "#FFFFFF", GHOST, 1);
        cross.push(x - r, y - r, x + r, y + r, x - r, y + r, x + r, y - r);
      }
    }
  }
  p.segments(cross, "#444444", Math.max(1.2, r * 0.3));
}

function drawCurves(p, st, b, font, which, title, hover) {
  // which 0: loss (train solid, test dashed, gap shaded); which 2: accuracy.
  const c = st.curves;
  const meta = st.meta;
  const name = which === 0 ? meta.labels.loss : meta.labels.accuracy;
  const n = c.steps.length;
  const xmax = curveXmax(c);
  let ylo = 0, yhi = 1;
  if (which === 0) {
    let mx = 0;
    for (const v of c.values) for (let m = 0; m < st.models; m++) mx = Math.max(mx, v[m * 4], v[m * 4 + 1]);
    yhi = niceMax(Math.min(mx, 50) * 1.05);
  } else {
    let mn = 1;
    for (const v of c.values) for (let m = 0; m < st.models; m++) mn = Math.min(mn, v[m * 4 + 2], v[m * 4 + 3]);
    ylo = Math.max(0, Math.floor(mn * 10) / 10);
    if (ylo >= 1) ylo = 0.9;
  }
  const X = (s) => b.x + (s / xmax) * b.w;
  const Y = (v) => b.y + b.h - ((v - ylo) / (yhi - ylo)) * b.h;
  // Wide views and presenter mode: the title up to its colon (the caption says what solid, dashed and shaded are).
  const wide = (st.lastLayout && st.lastLayout.wide) || meta.presenter;
  const yTicks = ticks(ylo, yhi, b.h < font * 6 ? 2 : 4); // fewer ticks where big text would overlap
  p.cached(`cax${which}:${b.x}:${b.y}:${b.w}:${b.h}:${font}:${xmax}:${ylo}:${yhi}:${name}:${wide}`, b.x - font * 3.6, b.y - title,
    b.w + font * 4.4, b.h + title + font * 2.8, (q) => {
      q.text(wide ? name.split(/[:：]/)[0] : name, b.x + b.w / 2, b.y - title * 0.35, { size: font * 1.05, align: "center", weight: "bold" });
      for (const t of yTicks) {
        q.text(which === 2 ? `${Math.round(t * 100)}%` : String(t), b.x - font * 0.4, Y(t),
          { size: font * st.tick, color: "#555", align: "right", baseline: "middle" });
      }
      for (const t of ticks(0, xmax, 5)) q.text(stepText(t), X(t), b.y + b.h + font * 1.1, { size: font * st.tick, color: "#555", align: "center" });
      q.text(meta.labels.trainStep, b.x + b.w / 2, b.y + b.h + font * 2.3, { size: font * 0.85, color: "#555", align: "center" });
    });
  // The plot changes at every frame: wiped (incremental frames), its grid lines and border drawn again.
  const R = around(b, 1, 2, 3, 3);
  p.wipe(R.x, R.y, R.w, R.h);
  const grid = [];
  for (const t of yTicks) grid.push(b.x, Y(t), b.x + b.w, Y(t));
  p.segments(grid, GRID, 1);
  p.rect(b.x, b.y, b.w, b.h, null, "#888888", 1);
  if (!n) return;
  const xs = new Float32Array(n);
  for (let i = 0; i < n; i++) xs[i] = X(c.steps[i]);
  // The shaded gaps and the lines up to point `cut` change only when the axes or the older points do: they are
  // kept in a layer (stroking a dashed line of hundreds of corners, or filling a polygon of a thousand, was most
  // of a frame's paint); only the newest points, at most GAP_BLOCK of them, are drawn each frame.
  const cut = Math.floor((n - 1) / GAP_BLOCK) * GAP_BLOCK;
  const lw = Math.max(1.8, font * 0.17);
  const dash = [lw * 3, lw * 2];
  const gap = (q, m, tr, te, i0, i1) => {
    const k = i1 - i0 + 1;
    const gx = new Float32Array(2 * k), gy = new Float32Array(2 * k);
    for (let i = 0; i < k; i++) {
      gx[i] = xs[i0 + i]; gy[i] = tr[i0 + i]; gx[2 * k - 1 - i] = xs[i0 + i]; gy[2 * k - 1 - i] = te[i0 + i];
    }
    q.polygon(gx, gy, hexAlpha(meta.colors[m], 0.14));
  };
  p.clip(b.x, b.y - 2, b.w + 2, b.h + 4, () => {
    const lines = [];
    for (let m = 0; m < st.models; m++) {
      const tr = new Float32Array(n), te = new Float32Array(n);
      for (let i = 0; i < n; i++) { tr[i] = Y(c.values[i][m * 4 + which]); te[i] = Y(c.values[i][m * 4 + which + 1]); }
      lines.push([tr, te]);
    }
    // One model's shaded gap (loss panel) and lines over points i0..i1; the dashes go on where i0's part stops.
    const part = (q, m, i0, i1) => {
      const [tr, te] = lines[m];
      if (which === 0) gap(q, m, tr, te, i0, i1);
      const x = xs.subarray(i0, i1 + 1);
      q.polyline(x, tr.subarray(i0, i1 + 1), meta.colors[m], lw);
      let along = 0;
      for (let i = 1; i <= i0; i++) along += Math.hypot(xs[i] - xs[i - 1], te[i] - te[i - 1]);
      q.polyline(x, te.subarray(i0, i1 + 1), meta.colors[m], lw, dash, along);
    };
    if (cut > 0) {
      const key = `${st.seq0}:${c.version}:${cut}:${b.x}:${b.y}:${b.w}:${b.h}:${xmax}:${ylo}:${yhi}:${lw}:` +
        meta.colors.join();
      p.slot(`curves${which}`, key, b.x, b.y - 2, b.w + 2, b.h + 4, (q) => {
        for (let m = 0; m < st.models; m++) part(q, m, 0, cut);
      });
    }
    for (let m = 0; m < st.models; m++) part(p, m, cut, n - 1);
  });
  if (hover && hover.panel === (which === 0 ? "loss" : "acc")) {
    const i = c.nearest(((hover.x - b.x) / b.w) * xmax);
    if (i >= 0) p.segments([X(c.steps[i]), b.y, X(c.steps[i]), b.y + b.h], "#333333", 1, [4, 3]);
  }
}

function drawLegend(p, st, b, font) {
  const lines = st.meta.labels.legend || [];
  lines.forEach((s, i) => p.text(s, b.x, b.y + font * (1.2 + 1.6 * i), { size: font * 0.95, color: "#333" }));
}

function hexAlpha(hex, a) {
  const h = hex.replace("#", "");
  const [r, g, b] = [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16));
  return `rgba(${r},${g},${b},${a})`;
}

/** What the cursor points at: P(class 1) on a surface, the curves' values at a step. Text lines, or null. */
export function hoverText(st, snap, L, x, y) {
  const inside = (b) => b && x >= b.x && x <= b.x + b.w && y >= b.y && y <= b.y + b.h;
  if (st.kind === KIND_SURFACE && snap) {
    for (let m = 0; m < st.models; m++) {
      const b = L.surfaces[m];
      if (!inside(b)) continue;
      const i = Math.min(st.width - 1, Math.floor(((x - b.x) / b.w) * st.width));
      const j = Math.min(st.height - 1, Math.floor(((b.y + b.h - y) / b.h) * st.height));
      const [x0, x1, y0, y1] = st.domain;
      const px = x0 + ((x1 - x0) * i) / (st.width - 1), py = y0 + ((y1 - y0) * j) / (st.height - 1);
      const pv = snap.grid[m * st.width * st.height + j * st.width + i] / 255;
      return { panel: `s${m}`, lines: [`${st.meta.names[m]}`, `P(${st.meta.labels.class1}) = ${pv.toFixed(2)}`, `x1 = ${px.toFixed(2)}, x2 = ${py.toFixed(2)}`] };
    }
  }
  for (const [panel, which] of [["loss", 0], ["acc", 2]]) {
    const b = L[panel];
    if (!inside(b) || (panel === "acc" && st.meta.regression)) continue;
    const c = st.curves;
    if (!c.steps.length) return null;
    const i = c.nearest(((x - b.x) / b.w) * curveXmax(c));
    const v = c.values[i];
    const pct = (q) => `${(q * 100).toFixed(1)}%`;
    const lines = [`${st.meta.labels.step} ${c.steps[i].toLocaleString("en-US")}`];
    for (let m = 0; m < st.models; m++) {
      const a = v[m * 4 + which], t = v[m * 4 + which + 1];
      lines.push(which === 0 ? `${st.meta.names[m]}: ${st.meta.labels.train} ${fmt(a)}, ${st.meta.labels.test} ${fmt(t)}`
        : `${st.meta.names[m]}: ${st.meta.labels.train} ${pct(a)}, ${st.meta.labels.test} ${pct(t)}`);
    }
    return { panel, lines };
  }
  return null;
}

// --- the component ---------------------------------------------------------------------------------------

/**
 * Which snapshot's mask to draw. While playing, a mask stays on screen at least `holdMs` (the training steps and
 * curves go on underneath), so the units never flash, even at 30 frames a second. Counts the changes of the mask
 * drawn during playback and the shortest time one was held.
 */
export class MaskHold {
  constructor(holdMs = 0) {
    this.holdMs = holdMs;
    this.shown = null;
    this.since = 0;
    this.changes = 0;
    this.minHeldMs = Infinity;
  }

  /** The snapshot whose mask is drawn now (snap itself unless the previous mask is still held). */
  pick(snap, now, playing) {
    if (!snap) return snap;
    if (this.shown && playing && now - this.since < this.holdMs) return this.shown;
    if (this.shown && playing && !sameMask(this.shown.mask, snap.mask)) {
      this.changes += 1;
      this.minHeldMs = Math.min(this.minHeldMs, now - this.since);
    }
    if (!this.shown || !sameMask(this.shown.mask, snap.mask) || !playing) this.since = now;
    this.shown = snap;
    return snap;
  }
}

function sameMask(a, b) {
  if (a === b) return true;
  if (!a || !b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A mask stays at least this long while playing: flashes faster than 3 a second are what to avoid (WCAG 2.3.1). */
export const MASK_HOLD_MS = 300;

const instances = new WeakMap();
const EXPORT = { w: 1600, h: 900, scale: 2 }; // downloads: 3200 x 1800 pixels

class LiveView {
  constructor(parent, args) {
    this.parent = parent;
    this.args = args;
    const reduced = typeof matchMedia === "function" && matchMedia("(prefers-reduced-motion: reduce)").matches;
    this.reduced = reduced;
    this.sched = new Scheduler({ fps: reduced ? 8 : 30, lowWater: reduced ? 8 : 30 });
    this.frames = 0;
    this.root = document.createElement("div");
    this.root.className = "lv-root";
    this.root.lvFullFrameDiff = () => this.fullFrameDiff();
    this.root.dataset.frames = "0";
    this.root.dataset.step = "0";
    this.root.dataset.playing = "false";
    this.root.dataset.reducedMotion = String(reduced);
    this.maskHold = new MaskHold(MASK_HOLD_MS);
    this.root.dataset.fps = String(Math.round(1000 / this.sched.interval));
    this.root.dataset.maskHoldMs = String(this.maskHold.holdMs);
    this.root.innerHTML = `<div class="lv-bar"><button type="button" class="lv-play" data-testid="lv-play"></button>
      <span class="lv-status" aria-live="polite"></span><span class="lv-spacer"></span>
      <button type="button" class="lv-download" data-testid="lv-download"></button></div>
      <div class="lv-stage"><canvas class="lv-canvas" role="img"></canvas><div class="lv-tip" hidden></div></div>`;
    (parent.querySelector(".lv-mount") || parent).appendChild(this.root);
    this.canvas = this.root.querySelector("canvas");
    this.tip = this.root.querySelector(".lv-tip");
    this.playBtn = this.root.querySelector(".lv-play");
    this.dlBtn = this.root.querySelector(".lv-download");
    this.playBtn.addEventListener("click", () => this.toggle());
    this.dlBtn.addEventListener("click", () => this.download());
    this.canvas.addEventListener("mousemove", (e) => this.onHover(e));
    this.canvas.addEventListener("mouseleave", () => { this.hover = null; this.tip.hidden = true; this.paint(false); });
    this.onKey = (e) => {
      const t = e.target;
      if (e.ctrlKey || e.metaKey || e.altKey || (t && (t.isContentEditable || /INPUT|TEXTAREA|SELECT/.test(t.tagName)))) return;
      if (e.key === "p" || e.key === "P") { e.preventDefault(); this.toggle(); }
    };
    document.addEventListener("keydown", this.onKey);
    this.onResize = () => { this.size(); this.paint(false); };
    window.addEventListener("resize", this.onResize);
    this.raf = requestAnimationFrame((t) => this.loop(t));
  }

  update(args) {
    this.args = args;
    let batch;
    try { batch = decodeBatch(args.data); } catch (e) { return; }
    const asked = this.sched.asked;
    // 1 step per frame is for watching the masks change: 6 frames a second (3 with reduced motion).
    this.sched.interval = 1000 / (batch.speed === 1 ? (this.reduced ? 3 : 6) : this.reduced ? 8 : 30);
    this.root.dataset.fps = String(Math.round(1000 / this.sched.interval));
    const result = this.sched.push(batch);
    if (asked !== null && result !== "old") {
      // For measurement: how long the last batch took to come (request to arrival), and stalled frames.
      this.root.dataset.rtt = String(Math.round(performance.now() - asked));
      this.root.dataset.stalls = String(this.sched.stalls);
    }
    if (result === "old" || result === "dropped" || result === "held") return;
    const first = !this.meta;
    this.meta = batch.meta;
    this.st = this.st || {};
    const st = this.st;
    if (batch.flags & FLAG_RESET || first) {
      Object.assign(st, {
        kind: batch.kind, models: batch.models, width: batch.width, height: batch.height, domain: batch.domain,
        range: batch.range, units: batch.units, points: batch.points, lut: st.lut || probabilityLut(), seq0: batch.seq,
        rgba: null,
      });
      st.curves = new Curves(batch.models);
      st.curves.load(batch.history);
      if (this.sched.current && !this.sched.playing) st.curves.add(this.sched.current);
    }
    st.meta = batch.meta;
    st.units = batch.units;
    this.root.dataset.seq = String(batch.seq);
    this.root.dataset.names = batch.meta.names.join("|");
    this.labels();
    this.size();
    if (!this.sched.playing) this.paint(false); // the paused picture: not a frame of playback
  }

  labels() {
    const l = this.meta.labels;
    const playing = this.sched.playing;
    this.playBtn.textContent = playing ? `⏸ ${l.pause}` : `▶ ${l.play}`;
    this.playBtn.setAttribute("aria-pressed", String(playing));
    this.playBtn.title = `${playing ? l.pause : l.play} (P)`;
    this.dlBtn.textContent = `⤓ ${l.download} (${this.meta.img.toUpperCase()})`;
    this.dlBtn.disabled = playing;
    this.dlBtn.title = playing ? l.downloadPaused : l.download;
    this.root.dataset.playing = String(playing);
    this.root.classList.toggle("lv-presenter", !!this.meta.presenter);
    this.root.querySelector(".lv-status").textContent = this.meta.status || "";
    if (l.alt) this.canvas.setAttribute("aria-label", l.alt);
  }

  size() {
    const w = Math.max(320, this.root.clientWidth || 800);
    const top = this.canvas.getBoundingClientRect().top + (window.scrollY || 0);
    // As tall as the first screen allows when it starts on it (presenter mode), else half as tall as wide.
    const avail = (window.innerHeight || 900) - Math.max(0, top) - 16;
    const want = w * (this.st && this.st.kind === KIND_NONE ? 0.42 : 0.5);
    const h = Math.round(Math.max(300, avail >= 300 ? Math.min(want, avail) : want));
    const dpr = Math.min(2, window.devicePixelRatio || 1);
    if (this.cw === w && this.ch === h) return;
    this.cw = w; this.ch = h;
    this.canvas.style.width = `${w}px`;
    this.canvas.style.height = `${h}px`;
    this.canvas.width = Math.round(w * dpr);
    this.canvas.height = Math.round(h * dpr);
    this.painter = null;
  }

  paint(count = true) {
    if (!this.st || !this.meta) return;
    const dpr = this.canvas.width / this.cw;
    if (!this.painter) this.painter = new CanvasPainter(this.canvas.getContext("2d", { alpha: false }), dpr);
    const snap = this.sched.current;
    const t0 = performance.now();
    const held = this.maskHold.pick(snap, t0, this.sched.playing);
    const shown = held === snap ? snap : { ...snap, mask: held.mask };
    // A frame of playback redraws only what changes (not the fitted curves' panel, drawn whole); any other paint
    // (paused, a new batch's layout, a hover while paused) and a frame whose fixed layers changed are full frames.
    this.painter.begin(count && this.st.kind !== KIND_CURVE);
    let full = !this.painter.inc;
    drawScene(this.painter, this.st, shown, this.cw, this.ch, this.hover);
    if (!this.painter.end()) {
      this.painter.begin(false);
      drawScene(this.painter, this.st, shown, this.cw, this.ch, this.hover);
      this.painter.end();
      full = true;
    }
    this.shown = shown;
    if (count && full) this.root.dataset.fullFrames = String(Number(this.root.dataset.fullFrames || 0) + 1);
    // The text sizes just drawn (CSS px), for the presenter-mode check: ticks, and the smallest text of all.
    this.root.dataset.tickPx = (this.st.lastFont * this.st.tick).toFixed(1);
    this.root.dataset.minTextPx = (this.st.lastFont * Math.min(this.st.tick, 0.85)).toFixed(1);
    this.root.dataset.maskChanges = String(this.maskHold.changes);
    if (Number.isFinite(this.maskHold.minHeldMs)) this.root.dataset.maskMinHeldMs = this.maskHold.minHeldMs.toFixed(0);
    // For measurement: a moving average of the milliseconds a paint takes.
    this.paintMs = this.paintMs === undefined ? performance.now() - t0 : 0.9 * this.paintMs + 0.1 * (performance.now() - t0);
    this.root.dataset.paintMs = this.paintMs.toFixed(2);
    if (count) {
      this.frames += 1;
      this.root.dataset.frames = String(this.frames);
    }
    this.root.dataset.step = String(snap ? snap.step : 0);
  }

  /** For tests: the pixels of the canvas that differ from a full frame of what it shows now (0: the incremental
   * frames left the same picture). */
  fullFrameDiff() {
    if (!this.painter || !this.st) return -1;
    const { width: W, height: H } = this.canvas;
    const cv = makeCanvas(W, H);
    drawScene(new CanvasPainter(cv.getContext("2d", { alpha: false }), W / this.cw), this.st, this.shown, this.cw,
      this.ch, this.hover);
    const a = cv.getContext("2d").getImageData(0, 0, W, H).data;
    const b = this.canvas.getContext("2d", { alpha: false }).getImageData(0, 0, W, H).data;
    let n = 0;
    for (let i = 0; i < a.length; i += 4) {
      if (a[i] !== b[i] || a[i + 1] !== b[i + 1] || a[i + 2] !== b[i + 2]) n++;
    }
    return n;
  }

  loop(now) {
    this.raf = requestAnimationFrame((t) => this.loop(t));
    if (!this.st) return;
    const snap = this.sched.tick(now);
    if (snap) {
      this.st.curves.add(snap);
      this.paint(true);
    }
    if (this.sched.wantMore(now)) {
      const tail = this.sched.tail;
      this.args.setTriggerValue("need", { seq: this.sched.lastSeq, step: tail ? tail.step : 0 });
    }
  }

  toggle() {
    if (!this.meta) return;
    const cur = this.sched.current;
    if (this.sched.playing) {
      this.sched.pause();
      this.args.setTriggerValue("pause", { step: cur ? cur.step : 0, seq: this.sched.lastSeq });
    } else {
      this.sched.play(performance.now());
      this.sched.asked = performance.now();
      this.args.setTriggerValue("play", { step: cur ? cur.step : 0, seq: this.sched.lastSeq });
    }
    this.labels();
  }

  onHover(e) {
    if (!this.st || !this.st.lastLayout) return;
    const r = this.canvas.getBoundingClientRect();
    const k = this.cw / r.width;
    const x = (e.clientX - r.left) * k, y = (e.clientY - r.top) * k;
    const hit = hoverText(this.st, this.sched.current, this.st.lastLayout, x, y);
    this.hover = hit ? { panel: hit.panel, x, y } : null;
    if (!hit) { this.tip.hidden = true; return; }
    this.tip.hidden = false;
    this.tip.textContent = hit.lines.join("\n");
    const tw = this.tip.offsetWidth;
    const left = e.clientX - r.left + 14;
    this.tip.style.left = `${left + tw > r.width ? left - tw - 28 : left}px`;
    this.tip.style.top = `${e.clientY - r.top + 14}px`;
    if (!this.sched.playing) this.paint(false);
  }

  download() {
    if (this.sched.playing || !this.st) return;
    const snap = this.sched.current;
    const name = `${this.meta.file || "dropout-lab-live"}-step-${snap ? snap.step : 0}`;
    const a = document.createElement("a");
    if (this.meta.img === "svg") {
      const p = new SvgPainter();
      drawScene(p, this.st, snap, EXPORT.w, EXPORT.h);
      const blob = new Blob([p.svg(EXPORT.w, EXPORT.h, EXPORT.w * EXPORT.scale, EXPORT.h * EXPORT.scale)], { type: "image/svg+xml" });
      a.href = URL.createObjectURL(blob);
      a.download = `${name}.svg`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 10000);
    } else {
      const cv = makeCanvas(EXPORT.w * EXPORT.scale, EXPORT.h * EXPORT.scale);
      drawScene(new CanvasPainter(cv.getContext("2d"), EXPORT.scale), this.st, snap, EXPORT.w, EXPORT.h);
      cv.toBlob((blob) => {
        a.href = URL.createObjectURL(blob);
        a.download = `${name}.png`;
        a.click();
        setTimeout(() => URL.revokeObjectURL(a.href), 10000);
      }, "image/png");
    }
    this.paint(false);
  }

  destroy() {
    cancelAnimationFrame(this.raf);
    document.removeEventListener("keydown", this.onKey);
    window.removeEventListener("resize", this.onResize);
    this.root.remove();
  }
}

export default function (args) {
  const { parentElement } = args;
  let view = instances.get(parentElement);
  if (!view) {
    view = new LiveView(parentElement, args);
    instances.set(parentElement, view);
  }
  view.update(args);
  // Streamlit calls the newest cleanup when the element unmounts, and may call an older one when new data
  // arrived while it was still mounting: only a view whose element left the page is taken down.
  return () => {
    setTimeout(() => {
      if (!parentElement.isConnected && instances.get(parentElement) === view) {
        view.destroy();
        instances.delete(parentElement);
      }
    }, 50);
  };
}
