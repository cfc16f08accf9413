// fazhi report: the 不足 lists and the sentence table, drawn from the inline JSON blob.
// Text only ever enters the page through textContent, never as markup. The table shows
// one page of PAGE rows at a time, so a batch of 100,000 sentences stays quick. The
// filter, sort and page live in the address's fragment (#label=不足&area=行政执法&sort=c&page=2):
// a view can be bookmarked, and the heat and area tables' cells are plain links to views.
// The area filter narrows the 不足 lists too. D.areas is empty when no sentence has an
// area (tagged files without an area column): the area controls then stay hidden.
"use strict";
(function () {
  var t0 = performance.now();
  var D = JSON.parse(document.getElementById("data").textContent);
  var PAGE = 100, n = D.t.length;
  var state = {};
  var hasAreas = D.areas.length > 0;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function isLow(k) { return D.c[k] < D.minConfidence; }
  function chip(l) {
    var s = el("span", "chip"), i = el("i");
    i.style.background = D.colors[l];
    s.appendChild(i);
    s.appendChild(document.createTextNode(D.labels[l]));
    return s;
  }
  function areaTag(a) {  // the area of a 不足 sentence, edged in the colour of its topic
    var s = el("span", "area", D.areas[a]);
    s.style.borderColor = D.areaColors[a];
    return s;
  }

  // 不足 sentences, grouped by report, in report order; of one area if the view has one.
  function drawGaps() {
    var box = document.getElementById("gaplist"), gap = D.labels.indexOf(D.shortcoming), by = {}, all = {};
    var a = state.area === "" ? -1 : +state.area, what = D.shortcoming + (a >= 0 ? " sentence(s) in " + D.areas[a] : " sentence(s)");
    box.textContent = "";
    for (var k = 0; k < n; k++) {
      if (D.l[k] !== gap) continue;
      all[D.r[k]] = (all[D.r[k]] || 0) + 1;
      if (a < 0 || D.a[k] === a) (by[D.r[k]] = by[D.r[k]] || []).push(k);
    }
    var reports = Object.keys(by).map(Number).sort(function (x, y) { return x - y; });
    if (!reports.length) { box.appendChild(el("p", "hint", "No " + what + " among the rows.")); return; }
    var open = reports.length <= 20;
    reports.forEach(function (r) {
      var d = el("details"), s = el("summary"), ol = el("ol");
      d.open = open;
      s.appendChild(el("b", null, D.reports[r]));
      s.title = D.sources[r];
      s.appendChild(el("span", "n", " — " + by[r].length + (a >= 0 ? " of " + all[r] + " " : " ") + what));
      d.appendChild(s);
      by[r].sort(function (x, y) { return D.i[x] - D.i[y]; }).forEach(function (k) {
        var li = el("li", isLow(k) ? "low" : null);
        if (D.headings[D.h[k]]) li.appendChild(el("span", "sec", D.headings[D.h[k]]));
        if (D.a[k] >= 0) li.appendChild(areaTag(D.a[k]));
        li.appendChild(document.createTextNode(D.t[k]));
        li.appendChild(el("span", "conf", D.c[k].toFixed(2) + (isLow(k) ? " low" : "")));
        li.value = D.i[k];  // the `sentence` number of the tagged file
        ol.appendChild(li);
      });
      d.appendChild(ol);
      box.appendChild(d);
    });
  }

  // The fragment ⇄ the state of the table.
  function readHash() {
    var p = new URLSearchParams(location.hash.slice(1));
    var report = p.get("report"), label = p.get("label"), area = p.get("area");
    state = {
      label: label !== null && D.labels.indexOf(label) >= 0 ? String(D.labels.indexOf(label)) : "",
      area: area !== null && D.areas.indexOf(area) >= 0 ? String(D.areas.indexOf(area)) : "",
      report: report !== null && D.reports[+report] !== undefined ? String(+report) : "",
      q: p.get("q") || "",
      low: p.get("low") === "1",
      sort: /^[rihtlac]$/.test(p.get("sort") || "") ? p.get("sort") : "",
      dir: p.get("dir") === "desc" ? -1 : 1,
      page: Math.max(0, (parseInt(p.get("page"), 10) || 1) - 1)
    };
  }
  function writeHash() {
    var p = new URLSearchParams();
    if (state.label !== "") p.set("label", D.labels[+state.label]);
    if (state.area !== "") p.set("area", D.areas[+state.area]);
    if (state.report !== "") p.set("report", state.report);
    if (state.q) p.set("q", state.q);
    if (state.low) p.set("low", "1");
    if (state.sort) { p.set("sort", state.sort); if (state.dir < 0) p.set("dir", "desc"); }
    if (state.page) p.set("page", String(state.page + 1));
    history.replaceState(null, "", "#" + p.toString());
  }

  var shown = [], sortedBy = null;
  function filter() {
    var l = state.label === "" ? -1 : +state.label, r = state.report === "" ? -1 : +state.report;
    var a = state.area === "" ? -1 : +state.area;
    var q = state.q.toLowerCase(), out = [];
    for (var k = 0; k < n; k++) {
      if (l >= 0 && D.l[k] !== l) continue;
      if (a >= 0 && D.a[k] !== a) continue;
      if (r >= 0 && D.r[k] !== r) continue;
      if (state.low && !isLow(k)) continue;
      if (q && D.t[k].toLowerCase().indexOf(q) < 0 && D.headings[D.h[k]].toLowerCase().indexOf(q) < 0) continue;
      out.push(k);
    }
    var key = state.sort, dir = state.dir;
    if (key) {
      // Headings and areas sort by their text (an area-less row's "" first), not their index.
      var col = key === "h" ? D.h.map(function (h) { return D.headings[h]; })
        : key === "a" ? D.a.map(function (x) { return x < 0 ? "" : D.areas[x]; }) : D[key];
      var text = key === "t" || key === "h" || key === "a";
      out.sort(function (a, b) {
        var x = col[a], y = col[b];
        var c = text ? (x < y ? -1 : x > y ? 1 : 0) : x - y;
        return c * dir || D.r[a] - D.r[b] || D.i[a] - D.i[b];
      });
    }
    shown = out;
  }

  function drawTable() {
    var body = document.querySelector("#rows tbody");
    var pages = Math.max(1, Math.ceil(shown.length / PAGE));
    if (state.page >= pages) state.page = pages - 1;
    var start = state.page * PAGE, end = Math.min(shown.length, start + PAGE);
    var frag = document.createDocumentFragment();
    for (var j = start; j < end; j++) {
      var k = shown[j], tr = el("tr", isLow(k) ? "low" : null), conf = el("td", "conf");
      var src = el("td", "src", D.reports[D.r[k]]);
      src.title = D.sources[D.r[k]];
      tr.appendChild(src);
      tr.appendChild(el("td", "num", String(D.i[k])));
      tr.appendChild(el("td", "sec", D.headings[D.h[k]]));
      tr.appendChild(el("td", "text", D.t[k]));
      var lab = el("td", "label");
      lab.appendChild(chip(D.l[k]));
      tr.appendChild(lab);
      if (hasAreas) {
        var ar = el("td", "area-cell");
        if (D.a[k] >= 0) ar.appendChild(areaTag(D.a[k]));
        tr.appendChild(ar);
      }
      conf.appendChild(document.createTextNode(D.c[k].toFixed(3) + " "));
      if (isLow(k)) conf.appendChild(el("span", null, "low"));
      tr.appendChild(conf);
      frag.appendChild(tr);
    }
    body.textContent = "";
    body.appendChild(frag);
    document.getElementById("count").textContent = shown.length.toLocaleString("en") + " of " + n.toLocaleString("en") + " sentence(s)";
    document.getElementById("pageinfo").textContent = shown.length ? "rows " + (start + 1) + "–" + end + " of " + shown.length + ", page " + (state.page + 1) + " of " + pages : "no row matches";
    document.getElementById("prev").disabled = state.page === 0;
    document.getElementById("next").disabled = state.page >= pages - 1;
    document.querySelectorAll("#rows th").forEach(function (th) {
      th.className = th.dataset.key === state.sort ? (state.dir < 0 ? "desc" : "asc") : "";
    });
    document.body.dataset.shown = String(shown.length);
  }

  function syncControls() {
    document.getElementById("f-label").value = state.label;
    document.getElementById("f-area").value = state.area;
    document.getElementById("g-area").value = state.area;
    document.getElementById("f-report").value = state.report;
    document.getElementById("f-q").value = state.q;
    document.getElementById("f-low").checked = state.low;
  }
  function update(refilter) {
    if (refilter) filter();
    writeHash();
    drawTable();
  }

  function setup() {
    var fl = document.getElementById("f-label"), fr = document.getElementById("f-report");
    D.labels.forEach(function (lab, k) { var o = el("option", null, lab); o.value = String(k); fl.appendChild(o); });
    D.reports.forEach(function (name, k) { var o = el("option", null, name); o.value = String(k); o.title = D.sources[k]; fr.appendChild(o); });
    fl.onchange = function () { state.label = fl.value; state.page = 0; update(true); };
    if (hasAreas) {
      // Two selects, one state: the area chosen above the 不足 lists or in the table filters both.
      ["f-area", "g-area"].forEach(function (id) {
        var sel = document.getElementById(id);
        D.areas.forEach(function (area, k) { var o = el("option", null, area); o.value = String(k); sel.appendChild(o); });
        sel.onchange = function () { state.area = sel.value; state.page = 0; syncControls(); update(true); drawGaps(); };
      });
      document.getElementById("f-area-box").hidden = false;
      document.getElementById("gapfilter").hidden = false;
      document.querySelector('#rows th[data-key="a"]').hidden = false;
      document.getElementById("gapfilter").onsubmit = function (e) { e.preventDefault(); };
    }
    fr.onchange = function () { state.report = fr.value; state.page = 0; update(true); };
    var timer = null, fq = document.getElementById("f-q");
    fq.oninput = function () {
      clearTimeout(timer);
      timer = setTimeout(function () { state.q = fq.value; state.page = 0; update(true); }, 150);
    };
    document.getElementById("f-low").onchange = function (e) { state.low = e.target.checked; state.page = 0; update(true); };
    document.getElementById("filters").onsubmit = function (e) { e.preventDefault(); };
    document.getElementById("prev").onclick = function () { state.page--; update(false); };
    document.getElementById("next").onclick = function () { state.page++; update(false); };
    document.querySelectorAll("#rows th").forEach(function (th) {
      th.onclick = function () {
        var key = th.dataset.key;
        state.dir = state.sort === key ? -state.dir : 1;
        state.sort = key;
        state.page = 0;
        update(true);
      };
    });
    window.addEventListener("hashchange", function () {
      readHash();
      syncControls();
      filter();
      drawTable();
      drawGaps();
      document.getElementById("sentences").scrollIntoView();
    });
  }

  setup();
  readHash();
  syncControls();
  drawGaps();
  filter();
  drawTable();
  if (location.hash.length > 1) document.getElementById("sentences").scrollIntoView();  // a bookmarked view
  document.body.dataset.rendered = "1";
  document.body.dataset.renderMs = String(Math.round(performance.now() - t0));
  document.body.dataset.tableTop = String(Math.round(document.getElementById("sentences").getBoundingClientRect().top + scrollY));
})();
