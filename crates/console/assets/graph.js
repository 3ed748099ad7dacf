// A state machine definition drawn as an SVG graph in the browser.
//
// `buildModel` reads the definition into nodes, scopes and edges (the same
// model as the stepwell-graph crate: Start/End markers at the top level,
// Parallel branches and Map processors as nested scopes, edges for Next,
// Default, each Choice rule and each Catch, retriers noted on nodes).
// `layoutModel` lays it out with dagre, one scope at a time from the inside
// out: ASL transitions never leave their scope, so a Parallel or Map state is
// simply a node as large as its laid-out branches side by side, and dagre
// never has to route an edge into a cluster. `renderSvg` draws it.

const SVG_NS = 'http://www.w3.org/2000/svg';

const NAME_FONT = '600 13px system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif';
const SUB_FONT = '11px system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif';
const LABEL_FONT = '11px system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif';
const MAX_TEXT = 220;
const MAX_LABEL = 180;
const PAD_X = 12;
const PAD_Y = 8;
const LINE = 16;
const SUB_LINE = 14;
const LABEL_LINE = 13;
const MIN_BOX = 110;
const HEADER = 26;
const BRANCH_PAD = 10;
const BRANCH_LABEL = 16;
const BRANCH_GAP = 14;

// ---------------------------------------------------------------------------
// Model

const COMPARISONS = [
  ['StringEquals', '=='], ['StringLessThan', '<'], ['StringGreaterThan', '>'],
  ['StringLessThanEquals', '<='], ['StringGreaterThanEquals', '>='], ['StringMatches', 'matches'],
  ['NumericEquals', '=='], ['NumericLessThan', '<'], ['NumericGreaterThan', '>'],
  ['NumericLessThanEquals', '<='], ['NumericGreaterThanEquals', '>='], ['BooleanEquals', '=='],
  ['TimestampEquals', '=='], ['TimestampLessThan', '<'], ['TimestampGreaterThan', '>'],
  ['TimestampLessThanEquals', '<='], ['TimestampGreaterThanEquals', '>='],
];
const TESTS = [
  ['IsNull', 'is null', 'is not null'], ['IsPresent', 'is present', 'is absent'],
  ['IsNumeric', 'is numeric', 'is not numeric'], ['IsString', 'is a string', 'is not a string'],
  ['IsBoolean', 'is a boolean', 'is not a boolean'], ['IsTimestamp', 'is a timestamp', 'is not a timestamp'],
];

const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const str = (v) => (typeof v === 'string' ? v : JSON.stringify(v));

/** A short reading of a Choice rule: `$.x > 10`, or a JSONata condition. */
export function summarizeRule(rule) {
  if (!isObj(rule)) return '? ?';
  if ('Condition' in rule) {
    const c = rule.Condition;
    if (typeof c !== 'string') return JSON.stringify(c);
    const t = c.trim();
    return t.startsWith('{%') && t.endsWith('%}') ? t.slice(2, -2).trim() : t;
  }
  const grouped = (r) => (isObj(r) && ('And' in r || 'Or' in r) ? `(${summarizeRule(r)})` : summarizeRule(r));
  const join = (list, sep) => (Array.isArray(list) && list.length ? list.map(grouped).join(sep) : '?');
  if ('And' in rule) return join(rule.And, ' and ');
  if ('Or' in rule) return join(rule.Or, ' or ');
  if ('Not' in rule) return `not ${grouped(rule.Not)}`;
  const variable = 'Variable' in rule ? str(rule.Variable) : '?';
  for (const [op, sym] of COMPARISONS) {
    if (op in rule) return `${variable} ${sym} ${JSON.stringify(rule[op])}`;
    if (`${op}Path` in rule) return `${variable} ${sym} ${str(rule[`${op}Path`])}`;
  }
  for (const [t, yes, no] of TESTS) {
    if (t in rule) return `${variable} ${rule[t] === false ? no : yes}`;
  }
  return `${variable} ?`;
}

function errorList(v) {
  return Array.isArray(v) && v.length ? v.map(str).join(', ') : '?';
}

function shortResource(r) {
  if (r.startsWith('arn:aws:states:::')) return r.slice('arn:aws:states:::'.length);
  const p = r.split(':');
  if (p.length >= 6 && p[0] === 'arn') {
    const rest = p.slice(5).join(':');
    if (p[2] === 'states' && rest.startsWith('activity:')) return `activity ${rest.slice(9)}`;
    return `${p[2]} ${rest.replace(/^function:/, '')}`;
  }
  return r;
}

function detail(type, s) {
  if (type === 'Task' && typeof s.Resource === 'string') return shortResource(s.Resource);
  if (type === 'Wait') {
    for (const k of ['Seconds', 'Timestamp', 'SecondsPath', 'TimestampPath']) {
      if (k in s) return k === 'Seconds' && typeof s[k] === 'number' ? `${s[k]}s` : str(s[k]);
    }
  }
  if (type === 'Fail') {
    const e = s.Error ?? s.ErrorPath;
    if (typeof e === 'string') return e;
  }
  if (type === 'Map' && typeof s.MaxConcurrency === 'number' && s.MaxConcurrency > 0) {
    return `max ${s.MaxConcurrency} at a time`;
  }
  return null;
}

/**
 * Read a definition into `{nodes, edges, scopes}`. Never throws: whatever is
 * not ASL is drawn as well as it can be (unknown targets become "missing"
 * nodes).
 */
export function buildModel(definition) {
  const nodes = [];
  const edges = [];
  const scopes = [];
  const newScope = (label, owner) => {
    scopes.push({ label, owner, start: null, nodes: [] });
    const id = scopes.length - 1;
    if (owner !== null) nodes[owner].children.push(id);
    return id;
  };
  const addNode = (scope, name, kind, depth) => {
    const id = nodes.length;
    nodes.push({ id, name, kind, type: '', detail: null, retries: [], scope, children: [], depth });
    scopes[scope].nodes.push(id);
    return id;
  };
  const addMachine = (scope, machine, depth, markers) => {
    const states = isObj(machine) && isObj(machine.States) ? machine.States : {};
    const entries = Object.entries(states).map(([name, s]) => [addNode(scope, name, 'state', depth), s]);
    const missing = new Map();
    const resolve = (target) => {
      const found = entries.find(([id]) => nodes[id].name === target);
      if (found) return found[0];
      if (!missing.has(target)) missing.set(target, addNode(scope, target, 'missing', depth));
      return missing.get(target);
    };
    if (isObj(machine) && typeof machine.StartAt === 'string') {
      const first = resolve(machine.StartAt);
      scopes[scope].start = first;
      if (markers) edges.push({ from: markers[0], to: first, kind: 'start', label: null });
    }
    for (const [id, raw] of entries) {
      const s = isObj(raw) ? raw : {};
      const type = typeof s.Type === 'string' ? s.Type : '';
      const node = nodes[id];
      node.type = type;
      node.detail = detail(type, s);
      node.retries = Array.isArray(s.Retry)
        ? s.Retry.map((r) => `${errorList(isObj(r) ? r.ErrorEquals : null)} ×${isObj(r) && 'MaxAttempts' in r ? str(r.MaxAttempts) : 3}`)
        : [];
      if (type === 'Choice') {
        for (const rule of Array.isArray(s.Choices) ? s.Choices : []) {
          if (isObj(rule) && typeof rule.Next === 'string') {
            edges.push({ from: id, to: resolve(rule.Next), kind: 'choice', label: summarizeRule(rule) });
          }
        }
        if (typeof s.Default === 'string') {
          edges.push({ from: id, to: resolve(s.Default), kind: 'default', label: 'Default' });
        }
      } else if (typeof s.Next === 'string') {
        edges.push({ from: id, to: resolve(s.Next), kind: 'next', label: null });
      }
      for (const c of Array.isArray(s.Catch) ? s.Catch : []) {
        if (isObj(c) && typeof c.Next === 'string') {
          edges.push({ from: id, to: resolve(c.Next), kind: 'catch', label: `catch ${errorList(c.ErrorEquals)}` });
        }
      }
      // The end marker is where an execution succeeds; a Fail state leads nowhere.
      const terminal = type === 'Succeed' || (type !== 'Fail' && s.End === true);
      if (terminal && markers) edges.push({ from: id, to: markers[1], kind: 'end', label: null });
      if (type === 'Parallel' && Array.isArray(s.Branches)) {
        s.Branches.forEach((b, i) => addMachine(newScope(`Branch ${i + 1}`, id), b, depth + 1, null));
      } else if (type === 'Map') {
        const key = 'ItemProcessor' in s ? 'ItemProcessor' : 'Iterator' in s ? 'Iterator' : null;
        if (key) addMachine(newScope(key, id), s[key], depth + 1, null);
      }
    }
  };
  const top = newScope('', null);
  const start = addNode(top, 'Start', 'start', 0);
  const end = addNode(top, 'End', 'end', 0);
  addMachine(top, definition, 0, [start, end]);
  return { nodes, edges, scopes };
}

// ---------------------------------------------------------------------------
// Text

let canvas = null;
/** Text width in px: the browser's measure, or an estimate without a DOM. */
export function textWidth(text, font) {
  if (typeof document !== 'undefined') {
    canvas = canvas || document.createElement('canvas').getContext('2d');
    canvas.font = font;
    return canvas.measureText(text).width;
  }
  const size = Number((font.match(/(\d+)px/) || [0, 12])[1]);
  return [...text].length * size * 0.6;
}

/** Wrap to at most `lines` lines of `max` px; the last ends in `…` if cut. */
export function wrap(text, font, max, lines) {
  const chars = [...text];
  const out = [];
  let start = 0;
  while (start < chars.length && out.length < lines) {
    const last = out.length + 1 === lines;
    let end = start + 1;
    while (end < chars.length && textWidth(chars.slice(start, end + 1).join(''), font) <= max) end++;
    if (end < chars.length) {
      if (last) {
        let cut = end;
        while (cut > start + 1 && textWidth(chars.slice(start, cut).join('') + '…', font) > max) cut--;
        out.push(chars.slice(start, cut).join('').trim() + '…');
        return out;
      }
      // Prefer a natural break in the line's second half.
      for (let i = end; i > start + (end - start) / 2; i--) {
        const prev = chars[i - 1];
        if (' -_./:'.includes(prev) || (/[a-z]/.test(prev) && /[A-Z]/.test(chars[i]))) {
          end = i;
          break;
        }
      }
    }
    out.push(chars.slice(start, end).join('').trim());
    start = end;
    while (chars[start] === ' ') start++;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Layout

/**
 * Positions for every node (absolute top-left boxes), scope frame and edge.
 * @param {object} model from buildModel
 * @param {object} dagre the dagre library
 */
export function layoutModel(model, dagre) {
  const { nodes, edges, scopes } = model;
  const size = new Map();
  const text = new Map();
  const labels = edges.map((e) => (e.label ? wrap(e.label, LABEL_FONT, MAX_LABEL, 2) : []));
  const labelSize = labels.map((lines) => (lines.length
    ? { w: Math.max(...lines.map((l) => textWidth(l, LABEL_FONT))) + 8, h: lines.length * LABEL_LINE + 4 }
    : { w: 0, h: 0 }));
  const geo = new Map(); // scope -> {w, h, boxes: Map(node -> rect), routes: Map(edge -> route)}
  const frameInOwner = new Map();

  const measureNode = (id) => {
    const n = nodes[id];
    if (n.kind === 'start' || n.kind === 'end') {
      size.set(id, [64, 28]);
      text.set(id, { name: [n.name] });
      return;
    }
    const retry = n.retries.length ? `↻ ${n.retries.join('; ')}` : null;
    if (n.children.length) {
      let x = BRANCH_PAD;
      let h = 0;
      for (const c of n.children) {
        layoutScope(c);
        const g = geo.get(c);
        const fw = Math.max(g.w + 2 * BRANCH_PAD, textWidth(scopes[c].label, SUB_FONT) + 2 * BRANCH_PAD);
        const fh = g.h + BRANCH_LABEL + 2 * BRANCH_PAD;
        frameInOwner.set(c, { x, y: 0, w: fw, h: fh });
        x += fw + BRANCH_GAP;
        h = Math.max(h, fh);
      }
      const inner = x - BRANCH_GAP + BRANCH_PAD;
      // The header: the name (cut if it must be), then ` · Parallel`.
      const suffix = textWidth(` · ${n.type}`, SUB_FONT);
      const header = textWidth(n.name, NAME_FONT) + suffix + 2 * PAD_X;
      const w = Math.max(inner, Math.min(header, 2 * MAX_TEXT), MIN_BOX);
      const top = HEADER + (retry ? SUB_LINE : 0);
      for (const c of n.children) {
        const f = frameInOwner.get(c);
        f.x += (w - inner) / 2;
        f.y = top;
        f.h = h;
      }
      size.set(id, [w, top + h + BRANCH_PAD]);
      text.set(id, {
        name: wrap(n.name, NAME_FONT, w - 2 * PAD_X - suffix, 1),
        sub: n.type,
        retry: retry && wrap(retry, SUB_FONT, w - 2 * PAD_X, 1)[0],
      });
      return;
    }
    const name = wrap(n.name, NAME_FONT, MAX_TEXT, 2);
    const ty = n.kind === 'missing' ? 'missing state' : n.type || '?';
    const sub = wrap(n.detail ? `${ty} · ${n.detail}` : ty, SUB_FONT, MAX_TEXT, 1)[0];
    const r = retry ? wrap(retry, SUB_FONT, MAX_TEXT, 1)[0] : null;
    const w = Math.max(...name.map((l) => textWidth(l, NAME_FONT)), textWidth(sub, SUB_FONT), r ? textWidth(r, SUB_FONT) : 0);
    size.set(id, [Math.max(w + 2 * PAD_X, MIN_BOX), 2 * PAD_Y + Math.max(name.length, 1) * LINE + SUB_LINE + (r ? SUB_LINE : 0)]);
    text.set(id, { name, sub, retry: r });
  };

  function layoutScope(s) {
    const members = scopes[s].nodes;
    for (const id of members) measureNode(id);
    const g = new dagre.graphlib.Graph({ multigraph: true });
    g.setGraph({ rankdir: 'TB', nodesep: 28, ranksep: 30, edgesep: 14, marginx: 0, marginy: 0 });
    g.setDefaultEdgeLabel(() => ({}));
    for (const id of members) {
      const [w, h] = size.get(id);
      g.setNode(String(id), { width: w, height: h });
    }
    const mine = [];
    edges.forEach((e, i) => {
      if (nodes[e.from].scope !== s) return;
      // A label sits on its own edge, halfway (dagre routes the edge
      // through it); its background hides the line behind the text.
      g.setEdge(String(e.from), String(e.to), { width: labelSize[i].w, height: labelSize[i].h, labelpos: 'c' }, `e${i}`);
      mine.push(i);
    });
    dagre.layout(g);
    const boxes = new Map();
    for (const id of members) {
      const n = g.node(String(id));
      const [w, h] = size.get(id);
      boxes.set(id, { x: n.x - w / 2, y: n.y - h / 2, w, h });
    }
    const routes = new Map();
    for (const i of mine) {
      const e = edges[i];
      const r = g.edge({ v: String(e.from), w: String(e.to), name: `e${i}` });
      const label = labels[i].length ? { x: r.x, y: r.y, ...labelSize[i] } : null;
      routes.set(i, { points: (r.points || []).map((p) => ({ x: p.x, y: p.y })), label });
    }
    // dagre may leave some room around; measure what was placed.
    let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    const grow = (x0, y0, x1, y1) => {
      minX = Math.min(minX, x0); minY = Math.min(minY, y0); maxX = Math.max(maxX, x1); maxY = Math.max(maxY, y1);
    };
    for (const b of boxes.values()) grow(b.x, b.y, b.x + b.w, b.y + b.h);
    routes.forEach((r, i) => {
      for (const p of r.points) grow(p.x, p.y, p.x, p.y);
      const l = r.label;
      if (l) grow(l.x - l.w / 2, l.y - l.h / 2, l.x + l.w / 2, l.y + l.h / 2);
    });
    if (!Number.isFinite(minX)) { minX = 0; minY = 0; maxX = 0; maxY = 0; }
    for (const b of boxes.values()) { b.x -= minX; b.y -= minY; }
    routes.forEach((r) => {
      for (const p of r.points) { p.x -= minX; p.y -= minY; }
      if (r.label) { r.label.x -= minX; r.label.y -= minY; }
    });
    geo.set(s, { w: maxX - minX, h: maxY - minY, boxes, routes });
  }

  const out = { nodes: new Map(), scopes: new Map(), routes: new Map(), text, labels, width: 0, height: 0 };
  const MARGIN = 16;
  const place = (s, ox, oy) => {
    const g = geo.get(s);
    for (const [id, b] of g.boxes) {
      const abs = { x: b.x + ox, y: b.y + oy, w: b.w, h: b.h };
      out.nodes.set(id, abs);
      for (const c of nodes[id].children) {
        const f = frameInOwner.get(c);
        const frame = { x: abs.x + f.x, y: abs.y + f.y, w: f.w, h: f.h };
        out.scopes.set(c, frame);
        place(c, frame.x + (frame.w - geo.get(c).w) / 2, frame.y + BRANCH_LABEL + BRANCH_PAD);
      }
    }
    for (const [i, r] of g.routes) {
      out.routes.set(i, {
        points: r.points.map((p) => ({ x: p.x + ox, y: p.y + oy })),
        label: r.label && { ...r.label, x: r.label.x + ox, y: r.label.y + oy },
      });
    }
  };
  layoutScope(0);
  place(0, MARGIN, MARGIN);
  out.width = geo.get(0).w + 2 * MARGIN;
  out.height = geo.get(0).h + 2 * MARGIN;
  return out;
}

// ---------------------------------------------------------------------------
// Rendering

function el(name, attrs = {}, parent = null) {
  const e = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs)) if (v !== null && v !== undefined) e.setAttribute(k, String(v));
  if (parent) parent.appendChild(e);
  return e;
}

function textEl(parent, cls, x, y, content, anchor = 'middle') {
  const t = el('text', { class: cls, x, y, 'text-anchor': anchor }, parent);
  t.textContent = content;
  return t;
}

function pathOf(points) {
  if (!points.length) return '';
  let d = `M${points[0].x},${points[0].y}`;
  if (points.length === 2) return d + ` L${points[1].x},${points[1].y}`;
  // Quadratic curves through the midpoints: smooth, no overshoot.
  for (let i = 1; i < points.length - 1; i++) {
    const p = points[i];
    const q = points[i + 1];
    const mx = i === points.length - 2 ? q.x : (p.x + q.x) / 2;
    const my = i === points.length - 2 ? q.y : (p.y + q.y) / 2;
    d += ` Q${p.x},${p.y} ${mx},${my}`;
  }
  return d;
}

/**
 * Draw the model as an `<svg>` element. Every state is a
 * `<g class="state" data-state="Name" data-type="Task" data-status="…">`;
 * `onSelect(name)` is called when one is clicked (or Enter is pressed on it).
 */
export function renderSvg(model, lay, onSelect) {
  const svg = el('svg', {
    class: 'graph',
    width: Math.ceil(lay.width),
    height: Math.ceil(lay.height),
    viewBox: `0 0 ${Math.ceil(lay.width)} ${Math.ceil(lay.height)}`,
    role: 'group',
    'aria-label': 'State machine graph',
  });
  const defs = el('defs', {}, svg);
  const marker = el('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto' }, defs);
  el('path', { d: 'M0,0 L10,5 L0,10 z' }, marker);

  const drawScope = (s, parent) => {
    const g = el('g', { class: 'scope', 'data-scope': s }, parent);
    model.edges.forEach((e, i) => {
      if (model.nodes[e.from].scope !== s) return;
      const r = lay.routes.get(i);
      if (!r) return;
      const eg = el('g', {
        class: `edge edge-${e.kind}`,
        'data-kind': e.kind,
        'data-from': model.nodes[e.from].name,
        'data-to': model.nodes[e.to].name,
      }, g);
      if (e.label) el('title', {}, eg).textContent = e.label;
      el('path', { d: pathOf(r.points), 'marker-end': 'url(#arrow)' }, eg);
      if (r.label) {
        const lines = lay.labels[i];
        const { x, y, w, h } = r.label;
        el('rect', { class: 'edge-label-bg', x: x - w / 2, y: y - h / 2, width: w, height: h, rx: 3 }, eg);
        lines.forEach((line, k) => {
          textEl(eg, 'edge-label', x, y + (k - (lines.length - 1) / 2) * LABEL_LINE + 4, line);
        });
      }
    });
    for (const id of model.scopes[s].nodes) drawNode(id, g);
  };

  const drawNode = (id, parent) => {
    const n = model.nodes[id];
    const b = lay.nodes.get(id);
    const t = lay.text.get(id) || { name: [n.name] };
    if (!b) return;
    const cx = b.x + b.w / 2;
    let g;
    // A state's tooltip. On a state's box, hidden from assistive
    // technologies: inside the button it would be part of the text the
    // button's name must contain (its name is what it shows, and its outcome).
    let tip = null;
    if (n.kind === 'start' || n.kind === 'end') {
      g = el('g', { class: 'node marker', 'data-marker': n.kind }, parent);
      el('rect', { x: b.x, y: b.y, width: b.w, height: b.h, rx: b.h / 2 }, g);
      textEl(g, 'marker-text', cx, b.y + b.h / 2 + 4, n.name);
      return;
    }
    if (n.kind === 'missing') {
      g = el('g', { class: 'node missing', 'data-missing': n.name }, parent);
      el('title', {}, g).textContent = `${n.name} (no such state)`;
    } else {
      // A Parallel or Map holds other states: it is a group, and its header
      // is its button (controls do not nest).
      g = el('g', {
        class: `node state type-${n.type.toLowerCase()}${n.children.length ? ' compound' : ''}`,
        'data-state': n.name,
        'data-type': n.type,
        'data-status': 'none',
        ...(n.children.length ? { role: 'group', 'aria-label': `${n.name} · ${n.type}` } : { tabindex: 0, role: 'button' }),
      }, parent);
      tip = [`${n.name} (${n.type})`, n.detail, ...n.retries.map((r) => `retry ${r}`)].filter(Boolean).join('\n');
      if (n.children.length) el('title', {}, g).textContent = tip;
      const select = (ev) => {
        ev.stopPropagation();
        if (onSelect) onSelect(n.name);
      };
      g.addEventListener('click', select);
      g.addEventListener('keydown', (ev) => {
        if (ev.key === 'Enter' || ev.key === ' ') select(ev);
      });
    }
    if (n.children.length) {
      el('rect', { class: 'box', x: b.x, y: b.y, width: b.w, height: b.h, rx: 8 }, g);
      const head = el('text', { class: 'head', x: b.x + PAD_X, y: b.y + 18, tabindex: 0, role: 'button' }, g);
      const nm = el('tspan', { class: 'name' }, head);
      nm.textContent = t.name[0] || n.name;
      const ty = el('tspan', { class: 'sub' }, head);
      ty.textContent = ` · ${n.type}`;
      head.setAttribute('aria-label', head.textContent);
      if (t.retry) textEl(g, 'retry', b.x + PAD_X, b.y + 18 + SUB_LINE, t.retry, 'start');
      for (const c of n.children) {
        const f = lay.scopes.get(c);
        const bg = el('g', { class: 'branch', 'data-branch': model.scopes[c].label }, g);
        el('rect', { x: f.x, y: f.y, width: f.w, height: f.h, rx: 6 }, bg);
        textEl(bg, 'branch-label', f.x + 8, f.y + BRANCH_LABEL - 3, model.scopes[c].label, 'start');
        drawScope(c, bg);
      }
      return;
    }
    const box = el('rect', { class: 'box', x: b.x, y: b.y, width: b.w, height: b.h, rx: 6 }, g);
    if (tip) {
      box.setAttribute('aria-hidden', 'true');
      el('title', {}, box).textContent = tip;
    }
    let y = b.y + PAD_Y;
    // Lines of text, with a space between them (SVG draws no text outside
    // its `text` elements): the button's text reads as its name does.
    const line = (cls, step, content) => {
      y += step;
      if (g.lastChild && g.lastChild.nodeName === 'text') g.appendChild(document.createTextNode(' '));
      textEl(g, cls, cx, y - 3, content);
    };
    for (const l of t.name) line('name', LINE, l);
    if (t.sub) line('sub', SUB_LINE, t.sub);
    if (t.retry) line('retry', SUB_LINE, t.retry);
    if (n.kind === 'state') g.setAttribute('aria-label', visibleText(g));
  };

  drawScope(0, svg);
  return svg;
}

/** What a state's button shows: its name then, say, `Task · lambda invoke`. */
function visibleText(button) {
  if (button.tagName === 'text') return button.textContent;
  return [...button.querySelectorAll(':scope > text')].map((t) => t.textContent).join(' ');
}

/** A state's outcome in words and as an icon, so that colour is not all that tells it. */
export const OUTCOMES = {
  succeeded: ['succeeded', '✓'],
  failed: ['failed', '✕'],
  caught: ['caught', '!'],
  running: ['running', '▶'],
  aborted: ['aborted', '■'],
  children: ['in child executions', '⇉'],
  notreached: ['not reached', ''],
};

/**
 * Mark each state with its outcome from deriveStates: `data-status` (its
 * colour), an icon at its top right corner, and its accessible name.
 */
export function paintStatuses(svg, states) {
  for (const g of svg.querySelectorAll('g.state')) {
    const name = g.getAttribute('data-state');
    const s = states.get(name);
    const status = s ? s.status : 'notreached';
    if (g.getAttribute('data-status') === status) continue;
    g.setAttribute('data-status', status);
    const [words, icon] = OUTCOMES[status] || [status, ''];
    const button = g.matches('[role="button"]') ? g : g.querySelector(':scope > [role="button"]');
    if (button) button.setAttribute('aria-label', `${visibleText(button)}: ${words}`);
    for (const old of g.querySelectorAll(':scope > .status-icon')) old.remove();
    const box = g.querySelector(':scope > rect.box');
    if (!icon || !box) continue;
    const x = Number(box.getAttribute('x')) + Number(box.getAttribute('width'));
    const y = Number(box.getAttribute('y'));
    const mark = el('g', { class: 'status-icon', 'aria-hidden': 'true' }, g);
    el('circle', { cx: x - 2, cy: y + 2, r: 8 }, mark);
    textEl(mark, 'status-icon-text', x - 2, y + 6, icon);
  }
}
