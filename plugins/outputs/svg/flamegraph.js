// SPDX-License-Identifier: MIT
// The flame graph's interactions (zoom, search, details), the same in the SVG and the HTML page.
// The writer puts `var pbFlameGraph = {...}` (total, sizes, orientation) in front of this.
(function (cfg) {
	'use strict';
	var frames = document.getElementById('frames');
	var details = document.getElementById('details');
	var matched = document.getElementById('matched');
	var unzoomButton = document.getElementById('unzoom');
	var searchButton = document.getElementById('search');
	var icButton = document.getElementById('ignorecase');
	var charWidth = cfg.fontSize * cfg.fontWidth;
	var nodes = [];
	var zoomed = null;
	var searchTerm = null;
	var ignoreCase = false;

	// Everything the interactions need is read once; frames carry x and width in samples.
	var groups = frames.getElementsByTagName('g');
	for (var i = 0; i < groups.length; i++) {
		var g = groups[i];
		var rect = g.getElementsByTagName('rect')[0];
		var title = g.getElementsByTagName('title')[0].textContent;
		var n = {
			g: g,
			rect: rect,
			text: g.getElementsByTagName('text')[0],
			info: title,
			// The title is "name (N samples, P%)": the name is all but the last parentheses.
			name: title.replace(/ \([^(]*\)$/, ''),
			x: +g.getAttribute('fg:x'),
			w: +g.getAttribute('fg:w'),
			y: +rect.getAttribute('y'),
			fill: rect.getAttribute('fill')
		};
		g.pbIndex = nodes.length;
		nodes.push(n);
	}

	function pct(v) {
		return (v * 100).toFixed(4) + '%';
	}

	// Same rule as the writer: a label needs 3 characters, longer names end in "..".
	function fitLabel(n, widthFraction) {
		var chars = Math.floor(widthFraction * cfg.framesWidth / charWidth);
		if (chars < 3)
			return '';
		var name = Array.from(n.name);
		return name.length <= chars ? n.name : name.slice(0, chars - 2).join('') + '..';
	}

	function place(n, x, w) {
		n.rect.setAttribute('x', pct(x));
		n.rect.setAttribute('width', pct(w));
		n.text.setAttribute('x', pct(x + cfg.textPad / cfg.framesWidth));
		n.text.textContent = fitLabel(n, w);
	}

	function isAncestor(a, n) {
		var above = cfg.inverted ? a.y < n.y : a.y > n.y;
		return above && a.x <= n.x && a.x + a.w >= n.x + n.w;
	}

	function isInside(a, n) {
		var below = cfg.inverted ? a.y >= n.y : a.y <= n.y;
		return below && a.x >= n.x && a.x + a.w <= n.x + n.w;
	}

	// Ancestors stay, spanning the width and dimmed; the frame and what it called fill the
	// width; everything else is hidden.
	function zoom(z) {
		zoomed = z;
		unzoomButton.classList.remove('hide');
		for (var i = 0; i < nodes.length; i++) {
			var n = nodes[i];
			if (isAncestor(n, z)) {
				n.g.classList.remove('hide');
				n.g.classList.add('parent');
				place(n, 0, 1);
			} else if (isInside(n, z)) {
				n.g.classList.remove('hide', 'parent');
				place(n, (n.x - z.x) / z.w, n.w / z.w);
			} else {
				n.g.classList.add('hide');
			}
		}
		if (searchTerm !== null)
			search(searchTerm);
	}

	function unzoom() {
		zoomed = null;
		unzoomButton.classList.add('hide');
		for (var i = 0; i < nodes.length; i++) {
			var n = nodes[i];
			n.g.classList.remove('hide', 'parent');
			place(n, n.x / cfg.total, n.w / cfg.total);
		}
		if (searchTerm !== null)
			search(searchTerm);
	}

	// Highlights every frame whose name matches and reports the share of samples they hold,
	// counting a matching frame inside another matching frame once.
	function search(term) {
		var re;
		try {
			re = new RegExp(term, ignoreCase ? 'i' : '');
		} catch (e) {
			matched.textContent = 'Invalid search: ' + e.message;
			return;
		}
		searchTerm = term;
		var hits = [];
		for (var i = 0; i < nodes.length; i++) {
			var n = nodes[i];
			if (re.test(n.name)) {
				n.rect.setAttribute('fill', cfg.searchColor);
				hits.push(n);
			} else {
				n.rect.setAttribute('fill', n.fill);
			}
		}
		var base = zoomed ? zoomed : { x: 0, w: cfg.total };
		hits.sort(function (a, b) { return a.x - b.x || b.w - a.w; });
		var sum = 0, end = -1;
		for (var j = 0; j < hits.length; j++) {
			var h = hits[j];
			var lo = Math.max(h.x, base.x), hi = Math.min(h.x + h.w, base.x + base.w);
			if (hi <= lo || h.x < end)
				continue;
			sum += hi - lo;
			end = h.x + h.w;
		}
		searchButton.classList.add('active');
		matched.textContent = 'Matched: ' + (100 * sum / base.w).toFixed(1) + '%';
	}

	function resetSearch() {
		searchTerm = null;
		for (var i = 0; i < nodes.length; i++)
			nodes[i].rect.setAttribute('fill', nodes[i].fill);
		searchButton.classList.remove('active');
		matched.textContent = ' ';
	}

	function askSearch() {
		var term = window.prompt('Enter a search term (regexp allowed, e.g. ^ext4_)', '');
		if (term !== null && term !== '')
			search(term);
	}

	function frameOf(target) {
		var g = target && target.closest ? target.closest('#frames g') : null;
		return g && g.pbIndex !== undefined ? nodes[g.pbIndex] : null;
	}

	frames.addEventListener('click', function (e) {
		var n = frameOf(e.target);
		if (n)
			zoom(n);
	});
	frames.addEventListener('mouseover', function (e) {
		var n = frameOf(e.target);
		if (n)
			details.textContent = cfg.nameType + ' ' + n.info;
	});
	frames.addEventListener('mouseout', function () {
		details.textContent = ' ';
	});
	unzoomButton.addEventListener('click', unzoom);
	searchButton.addEventListener('click', function () {
		if (searchTerm === null)
			askSearch();
		else
			resetSearch();
	});
	icButton.addEventListener('click', function () {
		ignoreCase = !ignoreCase;
		icButton.classList.toggle('active', ignoreCase);
		if (searchTerm !== null)
			search(searchTerm);
	});
	window.addEventListener('keydown', function (e) {
		if (e.keyCode === 114 || ((e.ctrlKey || e.metaKey) && e.keyCode === 70)) {
			e.preventDefault(); // Ctrl-F and F3 search the graph, not the page
			askSearch();
		} else if ((e.ctrlKey || e.metaKey) && e.keyCode === 73) {
			e.preventDefault();
			icButton.dispatchEvent(new MouseEvent('click'));
		} else if (e.keyCode === 27) {
			resetSearch();
			unzoom();
		}
	});

	// ?s=regex searches on load, so a link can point at a search.
	var params = new URLSearchParams(window.location.search);
	if (params.get('s'))
		search(params.get('s'));

	// For scripted use (and tests): the same actions the mouse and keyboard reach.
	window.pbFlameGraphApi = { zoom: function (i) { zoom(nodes[i]); }, unzoom: unzoom,
		search: search, resetSearch: resetSearch };
})(pbFlameGraph);
