/* "Pool your own trials": a reader pastes or opens a small CSV of two-arm trials; this
 * script checks it as the book's engine does (evidence.meta.validate: each problem named by
 * its line and column), computes each trial's log risk ratio and variance as the engine does
 * (0.5 added to every cell of a trial with an empty cell; a trial with no events in either
 * arm left out), and redraws the page's pooling explorer with them. Nothing leaves the page:
 * a file is read by the browser, never sent. Only acts on pages with a .evidence-pool form.
 */
(function () {
  "use strict";
  var COLUMNS = ["study", "events_treatment", "n_treatment", "events_control", "n_control"];

  // RFC 4180 CSV: quoted cells may hold commas, quotes ("") and line breaks. Returns the
  // records with the physical line each starts on (the header is line 1).
  function parseCsv(text) {
    var records = [], row = [], cell = "", quoted = false, line = 1, start = 1;
    text = text.replace(/^\uFEFF/, "");
    for (var i = 0; i < text.length; i++) {
      var ch = text[i];
      if (quoted) {
        if (ch === '"' && text[i + 1] === '"') { cell += '"'; i++; }
        else if (ch === '"') quoted = false;
        else { if (ch === "\n") line++; cell += ch; }
      } else if (ch === '"') quoted = true;
      else if (ch === ",") { row.push(cell); cell = ""; }
      else if (ch === "\n" || ch === "\r") {
        if (ch === "\r" && text[i + 1] === "\n") i++;
        row.push(cell); records.push({ line: start, cells: row });
        row = []; cell = ""; line++; start = line;
      } else cell += ch;
    }
    if (cell !== "" || row.length) { row.push(cell); records.push({ line: start, cells: row }); }
    return records;
  }

  function number(text) {
    if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return null;
    return Number(text);
  }

  // The trials and every problem, one per cell, as evidence.meta.validate finds them.
  function check(text) {
    var records = parseCsv(text).filter(function (r) {
      return r.cells.some(function (c) { return c.trim() !== ""; });
    });
    var problems = [];
    function problem(line, col, name, rule) {
      problems.push({ line: line, col: col, name: name, rule: rule });
    }
    if (!records.length) {
      problem(1, null, "study", "the file is empty: it needs a header and one row a trial");
      return { problems: problems, trials: [] };
    }
    var header = records[0].cells.map(function (c) { return c.trim(); });
    var missing = COLUMNS.filter(function (c) { return header.indexOf(c) < 0; });
    if (missing.length) {
      missing.forEach(function (c) { problem(1, null, c, "required column is missing"); });
      return { problems: problems, trials: [] };
    }
    var at = {};
    COLUMNS.forEach(function (c) { at[c] = header.indexOf(c); });
    var trials = [], seen = {};
    records.slice(1).forEach(function (r) {
      var cells = r.cells.map(function (c) { return c.trim(); });
      for (var extra = header.length; extra < cells.length; extra++) {
        if (cells[extra]) {
          problem(r.line, extra + 1, "cell " + (extra + 1), "extra cell '" + cells[extra] +
            "': the header names only " + header.length + " columns (a comma inside a study " +
            "name needs quotes)");
        }
      }
      var t = { line: r.line, study: cells[at.study] || "" }, bad = {};
      COLUMNS.slice(1).forEach(function (c) {
        var raw = cells[at[c]] || "", x = number(raw);
        if (raw === "") { problem(r.line, at[c] + 1, c, "value is missing"); bad[c] = true; }
        else if (x === null) {
          problem(r.line, at[c] + 1, c, "'" + raw + "' is not a number"); bad[c] = true;
        } else if (x % 1 !== 0) {
          problem(r.line, at[c] + 1, c, "must be a whole number (got " + x + ")"); bad[c] = true;
        }
        t[c] = x;
      });
      if (!t.study) problem(r.line, at.study + 1, "study", "study name is missing");
      else if (seen[t.study.toLowerCase()]) {
        problem(r.line, at.study + 1, "study", "study '" + t.study + "' appears twice " +
          "(first on line " + seen[t.study.toLowerCase()] + "): list each trial once");
      } else seen[t.study.toLowerCase()] = r.line;
      ["treatment", "control"].forEach(function (arm) {
        var e = "events_" + arm, n = "n_" + arm, broke = false;
        if (!bad[n] && t[n] <= 0) {
          problem(r.line, at[n] + 1, n, n + " must be greater than 0 (got " + t[n] + ")");
          broke = true;
        }
        if (!bad[e] && t[e] < 0) {
          problem(r.line, at[e] + 1, e, e + " must not be negative (got " + t[e] + ")");
          broke = true;
        }
        if (!broke && !bad[e] && !bad[n] && t[e] > t[n]) {
          problem(r.line, at[e] + 1, e, e + " (" + t[e] + ") exceeds " + n + " (" + t[n] + ")");
        }
      });
      trials.push(t);
    });
    if (!trials.length) problem(1, null, "study", "pooling needs at least 1 trial, found 0");
    if (!problems.length && trials.every(function (t) {
      return (t.events_treatment === 0 && t.events_control === 0) ||
        (t.events_treatment === t.n_treatment && t.events_control === t.n_control);
    })) {
      problem(trials[0].line, at.events_treatment + 1, "events_treatment",
        "no trial has a ratio to estimate (no events, or only events, in both arms): " +
        "there is nothing to pool");
    }
    problems.sort(function (a, b) { return a.line - b.line || (a.col || 0) - (b.col || 0); });
    return { problems: problems, trials: trials };
  }

  // Log risk ratio and variance as evidence.meta.effect_sizes gives them.
  function effects(trials) {
    var rows = [], left = [];
    trials.forEach(function (t) {
      var et = t.events_treatment, nt = t.n_treatment, ec = t.events_control, nc = t.n_control;
      if ((et === 0 && ec === 0) || (et === nt && ec === nc)) { left.push(t.study); return; }
      var add = (et === 0 || et === nt || ec === 0 || ec === nc) ? 0.5 : 0;
      et += add; ec += add; nt += 2 * add; nc += 2 * add;
      rows.push({ study: t.study, yi: Math.log((et / nt) / (ec / nc)),
                  vi: 1 / et - 1 / nt + 1 / ec - 1 / nc });
    });
    return { rows: rows, left: left };
  }

  function withTrials(spec, rows) {
    var s = JSON.parse(JSON.stringify(spec));
    var names = rows.map(function (r) { return r.study; });
    Object.keys(s.datasets || {}).forEach(function (k) {
      var first = (s.datasets[k] || [])[0];
      if (first && "yi" in first && "vi" in first) s.datasets[k] = rows;
    });
    (s.params || []).forEach(function (p) {
      if (p.name === "leave_out" && p.bind) {
        p.bind.options = ["none"].concat(names);
        p.bind.labels = ["no trial"].concat(names);
        p.value = "none";
      }
    });
    return s;
  }

  function setUp(form) {
    var chart = document.getElementById(form.dataset.chart);
    var container = chart && chart.querySelector(".evidence-chart");
    var status = form.querySelector(".evidence-pool__status");
    var area = form.querySelector("textarea");
    var specNode = container && container.querySelector("script.evidence-chart__spec");
    if (!container || !specNode) return;
    var original = JSON.parse(specNode.textContent);
    if (!area.value.trim()) {  // start from the chart's own trials, as a CSV to edit
      var start = Object.keys(original.datasets || {}).map(function (k) {
        return original.datasets[k];
      }).filter(function (d) { return d.length && "yi" in d[0]; })[0] || [];
      var quote = function (s) { return /[",\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s; };
      area.value = [COLUMNS.join(",")].concat(start.map(function (r) {
        return COLUMNS.map(function (c) { return c === "study" ? quote(String(r[c])) : r[c]; })
          .join(",");
      })).join("\n") + "\n";
    }
    function pool() {
      var result = check(area.value);
      status.replaceChildren();
      if (result.problems.length) {
        status.classList.add("evidence-pool__status--bad");
        var intro = document.createElement("p");
        intro.textContent = "Nothing was pooled: fix these and try again.";
        var list = document.createElement("ul");
        result.problems.forEach(function (p) {
          var li = document.createElement("li");
          li.textContent = "Line " + p.line + (p.col ? ", column " + p.col : "") + " (" +
            p.name + "): " + p.rule;
          list.append(li);
        });
        status.append(intro, list);
        return Promise.resolve(false);
      }
      var e = effects(result.trials);
      status.classList.remove("evidence-pool__status--bad");
      var done = document.createElement("p");
      done.textContent = "Pooled " + e.rows.length + " trial" + (e.rows.length === 1 ? "" : "s") +
        (e.left.length ? "; left out, with no events (or only events) in both arms: " +
          e.left.join(", ") : "") + ".";
      status.append(done);
      specNode.textContent = JSON.stringify(withTrials(original, e.rows));
      return window.evidenceRedrawChart(container).then(function () { return true; });
    }
    form.addEventListener("submit", function (event) { event.preventDefault(); pool(); });
    var file = form.querySelector("input[type=file]");
    if (file) {
      file.addEventListener("change", function () {
        if (!file.files.length) return;
        file.files[0].text().then(function (text) { area.value = text; pool(); });
      });
    }
    form.evidencePool = pool;  // the tests call it
  }

  function main() {
    document.querySelectorAll("form.evidence-pool").forEach(setUp);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", main);
  else main();
})();
