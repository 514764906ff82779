// SPDX-License-Identifier: MIT
// The live flame graph: draws the JSON tree from /events as SVG; zoom, search, tooltips.
'use strict';

(function () {
	const FRAME_H = 17;
	const MIN_W = 0.5; // narrower frames are not drawn (they would not be seen)
	const SVGNS = 'http://www.w3.org/2000/svg';
	const $ = (id) => document.getElementById(id);

	const state = {
		acc: emptyTree(),	// every window since the start (or the last Reset)
		latest: emptyTree(),	// the last window alone
		gen: 0,			// generation of the newest data merged
		mode: 'accumulate',
		paused: false,
		finished: false,
		connected: false,
		updates: 0,		// windows received since the page loaded
		zoom: [],		// names from the root to the zoomed frame
		search: null,		// RegExp or null
		meta: {},
	};

	function emptyTree() {
		return { name: 'all', value: 0, children: [] };
	}

	// The tree is the svg plugin's d3 JSON (what -o x.json writes): a leaf has no "children".
	function withChildren(node) {
		if (!node.children) node.children = [];
		else for (const c of node.children) withChildren(c);
		return node;
	}

	// Children are looked up by name when windows are merged; the index is built lazily.
	function childNamed(node, name) {
		if (!node.index) {
			node.index = new Map();
			for (const c of node.children) node.index.set(c.name, c);
		}
		return node.index.get(name);
	}

	function clone(node) {
		return { name: node.name, value: node.value, children: node.children.map(clone) };
	}

	function merge(dst, src) {
		dst.value += src.value;
		for (const c of src.children) {
			const have = childNamed(dst, c.name);
			if (have) {
				merge(have, c);
			} else {
				const copy = clone(c);
				dst.children.push(copy);
				dst.index.set(copy.name, copy);
			}
		}
	}

	function shown() {
		return state.mode === 'window' ? state.latest : state.acc;
	}

	// The colours of /svg with its default palette (the svg plugin's palette.c): "hot", and
	// "aqua" for kernel frames, each channel from an FNV-1a hash of the name's UTF-8 bytes.
	const HOT = { base: [205, 0, 0], span: [50, 230, 55], v: [2, 0, 1] };
	const AQUA = { base: [50, 165, 165], span: [60, 55, 55], v: [0, 0, 0] };
	const utf8 = new TextEncoder();
	function colour(name) {
		const b = utf8.encode(name);
		let fwd = 2166136261, back = 2166136261;
		for (let i = 0; i < b.length; i++) {
			fwd = Math.imul(fwd ^ b[i], 16777619) >>> 0;
			back = Math.imul(back ^ b[b.length - 1 - i], 16777619) >>> 0;
		}
		const v = [fwd, back, (fwd ^ (back >>> 7)) >>> 0];
		const s = name.endsWith('_[k]') ? AQUA : HOT;
		const c = [0, 1, 2].map((i) => s.base[i] + Math.floor(s.span[i] * (v[s.v[i]] >>> 8) / 16777216));
		return `rgb(${c[0]},${c[1]},${c[2]})`;
	}

	function depthOf(node) {
		let d = 0;
		for (const c of node.children) d = Math.max(d, depthOf(c));
		return d + 1;
	}

	// The zoomed frame, following the saved names; stops where the tree no longer has them.
	function zoomTarget(root) {
		const path = [root];
		for (const name of state.zoom) {
			const next = childNamed(path[path.length - 1], name);
			if (!next) break;
			path.push(next);
		}
		return path;
	}

	function fmt(n) {
		return n.toLocaleString('en-US');
	}

	function pct(part, whole) {
		return whole ? (100 * part / whole).toFixed(2) + '%' : '0%';
	}

	function draw() {
		const svg = $('flame');
		const root = shown();
		const path = zoomTarget(root);
		const focus = path[path.length - 1];
		const width = svg.clientWidth || 1200;
		const levels = path.length - 1 + depthOf(focus);
		const height = (levels + 1) * FRAME_H;
		const scale = focus.value ? width / focus.value : 0;
		const frag = document.createDocumentFragment();
		let matched = 0;

		svg.setAttribute('height', height);
		svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
		$('empty').hidden = root.value > 0;
		$('unzoom').disabled = path.length === 1;

		function frame(node, level, x, w, dim, trail) {
			const g = document.createElementNS(SVGNS, 'g');
			const y = height - (level + 1) * FRAME_H;
			const hit = state.search && state.search.test(node.name);
			g.setAttribute('class', 'f' + (dim ? ' dim' : '') + (hit ? ' match' : ''));
			g.dataset.name = node.name;
			g.dataset.value = node.value;
			g.dataset.trail = JSON.stringify(trail);
			const r = document.createElementNS(SVGNS, 'rect');
			r.setAttribute('x', x.toFixed(1));
			r.setAttribute('y', y);
			r.setAttribute('width', Math.max(w - 0.5, 0.1).toFixed(1));
			r.setAttribute('height', FRAME_H - 1);
			r.setAttribute('rx', 2);
			r.setAttribute('fill', colour(node.name));
			g.appendChild(r);
			const fit = Math.floor((w - 6) / 7);
			if (fit >= 3) {
				const t = document.createElementNS(SVGNS, 'text');
				t.setAttribute('x', (x + 3).toFixed(1));
				t.setAttribute('y', y + FRAME_H - 5);
				t.textContent = node.name.length > fit ? node.name.slice(0, fit - 2) + '..' : node.name;
				g.appendChild(t);
			}
			frag.appendChild(g);
			return hit;
		}

		// Ancestors of the zoomed frame span the width, dimmed, so the way back is visible.
		for (let i = 0; i < path.length - 1; i++)
			frame(path[i], i, 0, width, true, state.zoom.slice(0, i));

		(function walk(node, level, x, trail, underMatch) {
			const w = node.value * scale;
			if (w < MIN_W) return;
			const hit = frame(node, level, x, w, false, trail);
			if (hit && !underMatch) matched += node.value;
			let cx = x;
			for (const c of node.children) {
				walk(c, level + 1, cx, trail.concat([c.name]), underMatch || hit);
				cx += c.value * scale;
			}
		})(focus, path.length - 1, 0, state.zoom.slice(0, path.length - 1), false);

		svg.replaceChildren(frag);
		$('matched').textContent = state.search ? 'Matched: ' + pct(matched, focus.value) : '';
		status();
	}

	function status() {
		const el = $('status');
		const root = shown();
		let what;
		if (!state.connected && !state.finished) what = 'disconnected, retrying…';
		else if (state.paused) what = 'paused';
		else if (state.finished) what = 'profile finished';
		else what = 'live';
		el.className = 'status ' + (state.paused ? 'paused' : state.connected || state.finished ? 'live' : 'down');
		const when = state.meta.end_ns ? new Date(state.meta.end_ns / 1e6).toLocaleTimeString() : '-';
		el.textContent = `${what} · ${fmt(root.value)} samples · ${state.updates} updates · ${when}`;
		el.dataset.updates = state.updates;
		el.dataset.samples = root.value;
	}

	function onSnapshot(data) {
		state.acc = withChildren(data.tree);
		state.latest = emptyTree();
		state.gen = data.gen;
		state.meta = data;
		state.finished = data.last;
		if (!state.paused) draw();
	}

	function onWindow(data) {
		if (data.gen <= state.gen) return; // already in the snapshot
		state.gen = data.gen;
		withChildren(data.tree);
		merge(state.acc, data.tree);
		state.latest = data.tree;
		state.meta = data;
		state.finished = data.last;
		state.updates++;
		if (!state.paused) draw();
		else status();
	}

	function connect() {
		const es = new EventSource('/events');
		es.addEventListener('open', () => { state.connected = true; status(); });
		es.addEventListener('error', () => { state.connected = false; status(); });
		es.addEventListener('snapshot', (e) => onSnapshot(JSON.parse(e.data)));
		es.addEventListener('window', (e) => onWindow(JSON.parse(e.data)));
	}

	function setSearch(text) {
		state.search = null;
		if (text) {
			try {
				state.search = new RegExp(text);
			} catch (e) {
				state.search = new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
			}
		}
		draw();
	}

	function frameOf(ev) {
		const g = ev.target.closest && ev.target.closest('g.f');
		return g || null;
	}

	$('flame').addEventListener('click', (ev) => {
		const g = frameOf(ev);
		if (!g) return;
		state.zoom = JSON.parse(g.dataset.trail);
		draw();
	});
	$('flame').addEventListener('mousemove', (ev) => {
		const g = frameOf(ev), tip = $('tip');
		if (!g) { tip.hidden = true; return; }
		const total = shown().value, v = Number(g.dataset.value);
		const text = `${g.dataset.name} (${fmt(v)} samples, ${pct(v, total)})`;
		tip.textContent = text;
		$('info').textContent = text;
		tip.hidden = false;
		tip.style.left = Math.min(ev.clientX + 12, window.innerWidth - tip.offsetWidth - 4) + 'px';
		tip.style.top = (ev.clientY + 14) + 'px';
	});
	$('flame').addEventListener('mouseleave', () => { $('tip').hidden = true; });
	$('unzoom').addEventListener('click', () => { state.zoom = []; draw(); });
	$('pause').addEventListener('click', () => {
		state.paused = !state.paused;
		$('pause').textContent = state.paused ? 'Resume' : 'Pause';
		if (!state.paused) draw(); else status();
	});
	$('mode').addEventListener('change', (ev) => { state.mode = ev.target.value; draw(); });
	$('reset').addEventListener('click', () => {
		state.acc = emptyTree();
		state.latest = emptyTree();
		draw();
	});
	$('search').addEventListener('input', (ev) => setSearch(ev.target.value));
	document.addEventListener('keydown', (ev) => {
		if ((ev.ctrlKey || ev.metaKey) && ev.key === 'f') {
			ev.preventDefault();
			$('search').focus();
		} else if (ev.key === 'Escape') {
			$('search').value = '';
			setSearch('');
		}
	});
	window.addEventListener('resize', () => draw());

	window.profileBee = state; // for tests and the curious, from the console
	connect();
	draw();
})();
