/* Draw the book's charts with Vega served from this site (never a CDN).
 *
 * Each chart is a <div class="evidence-chart"> holding a static SVG fallback
 * and its Vega-Lite spec as JSON. On pages that have charts, this script loads
 * vega, vega-lite and vega-embed from <site>/vega/ (copied from the pinned
 * npm packages at build time), draws each chart in place of its fallback and
 * marks the container data-rendered="true". Pages without charts load nothing,
 * and Vega is fetched only when the first chart comes near the screen.
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

  function draw(container) {
    var specNode = container.querySelector("script.evidence-chart__spec");
    var view = container.querySelector(".evidence-chart__view");
    var spec = JSON.parse(specNode.textContent);
    var target = document.createElement("div");
    target.className = "evidence-chart__live";
    // Charts keep their light theme; in dark mode the CSS sets them on a light card.
    var opts = { actions: false, renderer: "svg" };
    return window.vegaEmbed(target, spec, opts).then(function () {
      var svg = target.querySelector("svg");
      if (svg) {
        svg.setAttribute("role", "img");
        svg.setAttribute("aria-label", spec.description || "");
      }
      view.replaceChildren(target);
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

  function main() {
    var charts = Array.prototype.slice.call(document.querySelectorAll(".evidence-chart"));
    if (!charts.length) return;
    // Draw every chart now (the PDF printer and tests call this).
    window.evidenceDrawAllCharts = function () {
      return Promise.all(charts.map(drawOnce));
    };
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
