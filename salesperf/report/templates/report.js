/* salesperf report runtime: generic, no chart-specific code. Every block is a dataset, fixed filters, the
   page filters that apply, and an ECharts option built in Python (salesperf/report/charts.py). This script
   keeps the rows the filters select, completes the option (@fmt:<format> formatters, @categories) and draws
   the chart and the table below it. */
(function () {
  "use strict";
  var R = JSON.parse(document.getElementById("salesperf-report").textContent);
  var state = { period: R.meta.default_period, region: "", locale: R.meta.locale };
  var charts = {};
  var TABLE_ROWS = 500;

  function t(key, vars) {
    var entry = R.labels[key];
    var s = entry ? entry[state.locale] : key;
    Object.keys(vars || {}).forEach(function (k) { s = s.split("{" + k + "}").join(vars[k]); });
    return s;
  }

  function num(v, digits) {
    return Number(v).toLocaleString(state.locale === "zh" ? "zh-CN" : "en-US",
      { minimumFractionDigits: digits, maximumFractionDigits: digits });
  }
  function compact(v) {
    var a = Math.abs(v);
    if (state.locale === "zh") {
      if (a >= 1e8) return num(v / 1e8, 1) + "亿";
      if (a >= 1e4) return num(v / 1e4, a >= 1e6 ? 0 : 1) + "万";
      return num(v, 0);
    }
    if (a >= 1e9) return num(v / 1e9, 1) + "B";
    if (a >= 1e6) return num(v / 1e6, 1) + "M";
    if (a >= 1e3) return num(v / 1e3, 0) + "k";
    return num(v, 0);
  }
  var FMT = {
    text: function (v) { return v === null || v === undefined ? "" : String(v); },
    localized: function (v) { return v === null || v === undefined ? "" : String(v); },
    money: function (v) { return "¥" + num(v, 2); },
    money_axis: function (v) { return compact(v); },
    pct: function (v) { return num(v * 100, 1) + "%"; },
    pct_axis: function (v) { return num(v * 100, Math.round(v * 1000) % 10 ? 1 : 0) + "%"; },
    signed_pct: function (v) { return (v > 0 ? "+" : "") + num(v * 100, 1) + "%"; },
    signed_pct_axis: function (v) { return (v > 0 ? "+" : "") + num(v * 100, 0) + "%"; },
    num: function (v) { return num(v, 2); },
    num_axis: function (v) { return compact(v); },
    int: function (v) { return num(v, 0); },
    int_axis: function (v) { return num(v, 0); },
    score: function (v) { return num(v, 2); },
    score_axis: function (v) { return num(v, 1); },
    date: function (v) { return String(v); },
    enum: function (v) { return R.labels["v_" + v] ? t("v_" + v) : String(v); },
    scope: function (v) { return v === "" ? t("company") : String(v); }
  };
  function fmt(name, v) {
    if (v === null || v === undefined || (typeof v === "number" && isNaN(v))) return "–";
    var f = FMT[name] || FMT.text;
    return f(v);
  }

  /* rows of a block: dataset rows kept by its fixed filters and the page's period / region filters */
  function rowsOf(block) {
    var ds = R.datasets[block.dataset], cols = ds.columns, ix = {};
    cols.forEach(function (c, i) { ix[c] = i; });
    var f = block.filters, year = state.period.slice(0, 4);
    var rows = ds.rows.filter(function (r) {
      for (var k in block.where) { if (r[ix[k]] !== block.where[k]) return false; }
      if (f.period && r[ix[f.period]] !== state.period) return false;
      if (f.year && String(r[ix[f.year]]) !== year) return false;
      if (f.region) {
        var v = r[ix[f.region]];
        if (f.region_scope) { if (v !== state.region) return false; }
        else if (state.region !== "" && v !== state.region) return false;
      }
      return true;
    });
    if (block.sort) {
      var s = ix[block.sort[0]], dir = block.sort[1] === "desc" ? -1 : 1;
      rows = rows.slice().sort(function (a, b) {
        var x = a[s], y = b[s];
        if (x === null && y === null) return 0;
        if (x === null) return 1;
        if (y === null) return -1;
        return x < y ? -dir : x > y ? dir : 0;
      });
    }
    return { columns: cols, index: ix, rows: rows };
  }

  /* completes an option built in Python: "@fmt:<name>" -> formatter, "@categories" -> category values */
  function revive(node, categories) {
    if (Array.isArray(node)) return node.map(function (x) { return revive(x, categories); });
    if (node && typeof node === "object") {
      var out = {};
      Object.keys(node).forEach(function (k) { out[k] = revive(node[k], categories); });
      return out;
    }
    if (node === "@categories") return categories;
    if (typeof node === "string" && node.indexOf("@fmt:") === 0) {
      var name = node.slice(5);
      return function (v) { return fmt(name, v && typeof v === "object" && "value" in v ? v.value : v); };
    }
    return node;
  }

  function drawChart(block, el, data) {
    var rows = block.limit ? data.rows.slice(0, block.limit) : data.rows;
    var note = el.parentNode.querySelector(".limit-note");
    note.textContent = block.limit && data.rows.length > block.limit
      ? t("shows_first", { n: block.limit, total: data.rows.length }) : "";
    var empty = el.parentNode.querySelector(".empty");
    empty.hidden = rows.length > 0;
    el.hidden = rows.length === 0;
    if (!rows.length) { if (charts[block.id]) { charts[block.id].dispose(); delete charts[block.id]; } return; }
    var cat = data.index[block.chart.category], categories = [];
    rows.forEach(function (r) { if (categories.indexOf(r[cat]) < 0) categories.push(r[cat]); });
    var option = revive(block.options[state.locale], categories);
    option.dataset[0] = { dimensions: data.columns, source: rows };
    var height = block.chart.height || Math.max(200, 26 * categories.length + 70);
    el.style.height = height + "px";
    var chart = charts[block.id] || echarts.init(el, null, { renderer: "canvas" });
    charts[block.id] = chart;
    chart.resize();
    chart.setOption(option, true);
  }

  function drawCards(block, el, data) {
    var row = data.rows[0];
    el.parentNode.querySelector(".empty").hidden = !!row;
    el.innerHTML = "";
    if (!row) return;
    block.fields.forEach(function (f) {
      var card = document.createElement("div"), dt = document.createElement("dt"), dd = document.createElement("dd");
      card.className = "card";
      dt.textContent = t(f.label);
      dd.textContent = fmt(f.fmt, row[data.index[f.name]]);
      dd.setAttribute("data-field", f.name);
      card.appendChild(dt); card.appendChild(dd); el.appendChild(card);
    });
  }

  function drawTable(block, table, data) {
    table.querySelector("caption").textContent = t("table_of") + t(block.title);
    var head = table.querySelector("thead"), body = table.querySelector("tbody");
    head.innerHTML = ""; body.innerHTML = "";
    var tr = document.createElement("tr");
    block.fields.forEach(function (f) {
      var th = document.createElement("th");
      th.scope = "col"; th.textContent = t(f.label);
      if (["text", "enum", "scope", "localized"].indexOf(f.fmt) < 0) th.className = "num";
      tr.appendChild(th);
    });
    head.appendChild(tr);
    var frag = document.createDocumentFragment(), group = block.group || [], current;
    data.rows.slice(0, TABLE_ROWS).forEach(function (r) {
      /* grouped blocks: a heading row (e.g. the manager, their open alerts and money) before each group */
      if (group.length && r[data.index[group[0].name]] !== current) {
        current = r[data.index[group[0].name]];
        var heading = document.createElement("tr"), th = document.createElement("th");
        heading.className = "group";
        th.colSpan = block.fields.length; th.scope = "colgroup";
        th.textContent = group.filter(function (g) {
          var v = r[data.index[g.name]];
          return v !== null && v !== "";
        }).map(function (g, i) {
          var v = fmt(g.fmt, r[data.index[g.name]]);
          return i === 0 ? v : t(g.label) + " " + v;
        }).join(" · ");
        heading.appendChild(th); frag.appendChild(heading);
      }
      var row = document.createElement("tr");
      block.fields.forEach(function (f, i) {
        var cell = document.createElement(i === 0 ? "th" : "td");
        if (i === 0) cell.scope = "row";
        var name = f.fmt === "localized" ? f.name + "_" + state.locale : f.name;
        cell.textContent = fmt(f.fmt, r[data.index[name]]);
        if (["text", "enum", "scope", "localized"].indexOf(f.fmt) < 0) cell.className = "num";
        if (f.fmt === "localized") cell.className = "prose";
        row.appendChild(cell);
      });
      frag.appendChild(row);
    });
    body.appendChild(frag);
    table.hidden = data.rows.length === 0;
    var more = document.querySelector("#blk-" + block.id + " .table-note");
    more.textContent = data.rows.length > TABLE_ROWS ? t("shows_first", { n: TABLE_ROWS, total: data.rows.length }) : "";
  }

  function render() {
    document.documentElement.lang = state.locale === "zh" ? "zh-CN" : "en";
    document.querySelectorAll("[data-l]").forEach(function (el) {
      el.textContent = t(el.getAttribute("data-l"), JSON.parse(el.getAttribute("data-lv") || "{}"));
    });
    document.title = t("report_title");
    var regionSelect = document.getElementById("filter-region");
    regionSelect.options[0].textContent = t("all_regions");
    R.blocks.forEach(function (block) {
      var f = block.filters, box = document.getElementById("blk-" + block.id);
      /* a block is drawn again only when a filter it uses (or the language) changed */
      var key = [f.period || f.year ? state.period : "", f.region ? state.region : "", state.locale].join("|");
      if (box.getAttribute("data-drawn") === key) return;
      box.setAttribute("data-drawn", key);
      var data = rowsOf(block);
      if (block.cards) drawCards(block, box.querySelector(".cards"), data);
      else if (block.chart) drawChart(block, box.querySelector(".chart"), data);
      drawTable(block, box.querySelector("table"), data);
      if (!block.chart && !block.cards) box.querySelector(".empty").hidden = data.rows.length > 0;
    });
  }

  function init() {
    var period = document.getElementById("filter-period"), region = document.getElementById("filter-region");
    R.meta.periods.forEach(function (p) { period.add(new Option(p, p, false, p === state.period)); });
    region.add(new Option("", ""));
    R.meta.regions.forEach(function (r) { region.add(new Option(r, r)); });
    period.addEventListener("change", function () { state.period = period.value; render(); });
    region.addEventListener("change", function () { state.region = region.value; render(); });
    document.getElementById("switch-locale").addEventListener("click", function () {
      state.locale = state.locale === "zh" ? "en" : "zh"; render();
    });
    window.addEventListener("resize", function () { Object.keys(charts).forEach(function (k) { charts[k].resize(); }); });
    render();
  }

  /* for tests and for people debugging a report: the state, the charts and the rows behind each block */
  window.salesperfReport = {
    report: R, charts: charts, state: state, rowsOf: rowsOf,
    set: function (changes) { Object.keys(changes).forEach(function (k) { state[k] = changes[k]; }); render(); }
  };
  init();
})();
