/* Draw the book's charts with Vega served from this site (never a CDN).
 *
 * Each chart is a <div class="evidence-chart"> holding a static SVG fallback
 * and its Vega-Lite spec as JSON. On pages that have charts, this script loads
 * vega, vega-lite and vega-embed from <site>/vega/ (copied from the pinned
 * npm packages at build time), draws each chart in place of its fallback and
 * marks the container data-rendered="true". Pages without charts load nothing,
 * and Vega is fetched only when the first chart comes near the screen.
 *
 * A chart is drawn at its own size when it fits the column. When it does not (a phone, a
 * narrow window), it is not shrunk, which would make its text unreadably small: its widest
 * plotting panel is narrowed, a facet grid or side-by-side panels are stacked, and the
 * chart redrawn, until it fits. A forest plot keeps its columns side by side (their rows
 * line up) and, if still too wide, scrolls sideways inside a focusable, labelled region
 * with a visible cue. Charts are fitted again when the window's width changes.
 */
(function () {
  "use strict";
  var VENDOR = ["vega.min.js", "vega-lite.min.js", "vega-embed.min.js"];

  function siteRoot() {
    // Sphinx writes the relative path to the site's root on <html data-content_root>.
    return document.documentElement.dataset.content_root || "./";
  }

  function loadScript(url) {
    return new Promise(function (resolve, reject) {
      var s = document.createElement("script");
      s.src = url;
      // Inserted scripts with async=false download in parallel but run in order.
      s.async = false;
      s.onload = resolve;
      s.onerror = function () { reject(new Error("could not load " + url)); };
      document.head.appendChild(s);
    });
  }

  var MIN_PANEL = 140; // the narrowest a plotting panel is drawn, in CSS pixels

  function clone(spec) { return JSON.parse(JSON.stringify(spec)); }

  function widest(views) {
    var best = null;
    views.forEach(function (v) {
      if (typeof v.width === "number" && (!best || v.width > best.width)) best = v;
    });
    return best;
  }

  // A copy of ``spec`` about ``excess`` pixels narrower, or null when nothing can narrow.
  function narrower(spec, excess) {
    var s = clone(spec);
    var panel;
    if (s.hconcat) {
      // A forest plot's plotting panel is named; its text columns keep their widths.
      panel = s.hconcat.filter(function (v) { return v.name === "forest_plot_panel"; })[0] ||
        widest(s.hconcat);
      if (panel && panel.width - excess >= MIN_PANEL) { panel.width -= excess; return s; }
      if (s.bounds === "flush") {  // a forest plot: its columns share rows, keep them so
        if (!panel || panel.width <= MIN_PANEL) return null;
        panel.width = MIN_PANEL;
        return s;
      }
      s.vconcat = s.hconcat;  // independent panels: one above the other
      delete s.hconcat;
      return s;
    }
    if (s.vconcat) {
      var changed = false;
      s.vconcat.forEach(function (v) {
        if (typeof v.width === "number" && v.width > MIN_PANEL) {
          v.width = Math.max(MIN_PANEL, v.width - excess);
          changed = true;
        }
      });
      return changed ? s : null;
    }
    if (s.facet && s.spec && typeof s.spec.width === "number") {
      var columns = s.columns || 1;
      if (columns > 1) { s.columns = columns - 1; return s; }
      if (s.spec.width <= MIN_PANEL) return null;
      s.spec.width = Math.max(MIN_PANEL, s.spec.width - excess);
      return s;
    }
    if (typeof s.width === "number" && s.width > MIN_PANEL) {
      s.width = Math.max(MIN_PANEL, s.width - excess);
      return s;
    }
    return null;
  }

  var measurer = null;

  // A title wider than ``width`` broken into lines that fit (Vega draws titles unwrapped).
  function wrapTitle(spec, width) {
    var title = spec.title;
    var text = title && typeof title === "object" ? title.text : title;
    if (typeof text !== "string") return spec;
    var config = spec.config || {};
    var size = (title && title.fontSize) || (config.title && config.title.fontSize) || 13;
    measurer = measurer || document.createElement("canvas").getContext("2d");
    measurer.font = "bold " + size + "px " + (config.font || "sans-serif");
    if (measurer.measureText(text).width <= width) return spec;
    var lines = [], line = "";
    text.split(" ").forEach(function (word) {
      var tried = line ? line + " " + word : word;
      if (line && measurer.measureText(tried).width > width) { lines.push(line); line = word; }
      else line = tried;
    });
    lines.push(line);
    var s = clone(spec);
    s.title = typeof title === "object" ? Object.assign({}, title, { text: lines }) : lines;
    return s;
  }

  function embed(target, spec) {
    var opts = { actions: false, renderer: "svg" };
    // Charts keep their light theme; in dark mode the CSS sets them on a light card.
    return window.vegaEmbed(target, spec, opts).then(function (result) {
      var svg = target.querySelector("svg");
      if (svg) {
        svg.setAttribute("role", "img");
        svg.setAttribute("aria-label", spec.description || "");
      }
      return { svg: svg, view: result.view };
    });
  }

  function titleOf(spec) {
    var t = spec.title && (typeof spec.title === "object" && !Array.isArray(spec.title)
      ? spec.title.text : spec.title);
    return (Array.isArray(t) ? t.join(" ") : t) || "Chart";
  }

  function drawnWidth(svg) {
    return svg ? parseFloat(svg.getAttribute("width")) || svg.getBoundingClientRect().width : 0;
  }

  function room(view) {
    var style = getComputedStyle(view);
    return view.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  }

  // Draw ``spec`` into ``target``, narrowing it until it fits ``width`` (a few passes).
  function fitted(target, spec, width, pass) {
    return embed(target, spec).then(function (drawn) {
      var excess = Math.ceil(drawnWidth(drawn.svg) - width);
      if (excess <= 0 || pass >= 6) return drawn;
      var next = narrower(spec, excess);
      if (!next) return drawn;
      drawn.view.finalize();
      return fitted(target, next, width, pass + 1);
    });
  }

  function draw(container) {
    var specNode = container.querySelector("script.evidence-chart__spec");
    var view = container.querySelector(".evidence-chart__view");
    var spec = JSON.parse(specNode.textContent);
    // Redrawn for a new width, an explorer keeps the values its reader chose.
    if (container._evidenceView && spec.params) {
      spec.params.forEach(function (param) {
        if (!param.bind) return;
        try { param.value = container._evidenceView.signal(param.name); } catch (e) { /* new */ }
      });
    }
    var width = room(view);
    var target = document.createElement("div");
    target.className = "evidence-chart__live";
    // Drawn off-screen at full width, then swapped in, so the page does not jump.
    target.style.position = "absolute";
    target.style.visibility = "hidden";
    document.body.appendChild(target);
    return fitted(target, wrapTitle(spec, width), width, 0).then(function (drawn) {
      target.style.position = "";
      target.style.visibility = "";
      if (container._evidenceView) container._evidenceView.finalize();
      container._evidenceView = drawn.view;
      view.replaceChildren(target);
      container._evidenceWidth = width;
      var scrolls = drawnWidth(drawn.svg) > width + 1;
      container.classList.toggle("evidence-chart--scrolls", scrolls);
      if (scrolls) {
        view.setAttribute("tabindex", "0");
        view.setAttribute("role", "region");
        view.setAttribute("aria-label", titleOf(spec) + ": scroll sideways to see all of it");
      } else {
        view.removeAttribute("tabindex");
        view.removeAttribute("role");
        view.removeAttribute("aria-label");
      }
      container.dataset.rendered = "true";
    });
  }

  var libraries = null;

  function loadLibraries() {
    // Loaded once, the first time any chart needs drawing.
    if (!libraries) {
      var root = siteRoot() + "vega/";
      libraries = Promise.all(VENDOR.map(function (file) { return loadScript(root + file); }));
    }
    return libraries;
  }

  function drawOnce(container) {
    if (!container._evidenceDrawn) {
      container._evidenceDrawn = loadLibraries().then(function () {
        return draw(container);
      }).catch(function (err) {
        // The static SVG stays in place; say why the live chart is missing.
        console.warn("Charts stay static: " + err.message);
      });
    }
    return container._evidenceDrawn;
  }

  function refit(charts) {
    // Redraw the drawn charts whose column changed width (a rotated phone, a resized window).
    return Promise.all(charts.map(function (chart) {
      if (!chart._evidenceDrawn || chart.dataset.rendered !== "true") return null;
      var view = chart.querySelector(".evidence-chart__view");
      if (Math.abs(room(view) - chart._evidenceWidth) < 2) return null;
      chart.dataset.rendered = "false";
      chart._evidenceDrawn = draw(chart);
      return chart._evidenceDrawn;
    }));
  }

  function main() {
    var charts = Array.prototype.slice.call(document.querySelectorAll(".evidence-chart"));
    if (!charts.length) return;
    // Draw every chart now (the PDF printer and tests call this).
    window.evidenceDrawAllCharts = function () {
      return Promise.all(charts.map(drawOnce));
    };
    // Fit the drawn charts to the column again now (the tests call this after a resize).
    window.evidenceFitCharts = function () { return refit(charts); };
    // Draw a chart afresh from its (changed) spec, its controls back at their starting
    // values (the pooling page calls this with a reader's own trials).
    window.evidenceRedrawChart = function (container) {
      return loadLibraries().then(function () {
        if (container._evidenceView) container._evidenceView.finalize();
        container._evidenceView = null;
        container.dataset.rendered = "false";
        container._evidenceDrawn = draw(container);
        return container._evidenceDrawn;
      });
    };
    var pending = null;
    window.addEventListener("resize", function () {
      clearTimeout(pending);
      pending = setTimeout(function () { refit(charts); }, 200);
    });
    if (!("IntersectionObserver" in window)) {
      window.evidenceDrawAllCharts();
      return;
    }
    // Each chart's static SVG is in the page from the start; Vega (about 0.3 MB
    // compressed) is fetched and the live chart drawn only when a chart comes
    // near the screen, so a reader who never scrolls to one pays nothing for it.
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (entry.isIntersecting) {
          observer.unobserve(entry.target);
          drawOnce(entry.target);
        }
      });
    }, { rootMargin: "400px 0px" });
    charts.forEach(function (chart) { observer.observe(chart); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", main);
  } else {
    main();
  }
})();
