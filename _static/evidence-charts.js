/* Draw the book's charts with Vega served from this site (never a CDN).
 *
 * Each chart is a <div class="evidence-chart"> holding a static SVG fallback
 * and its Vega-Lite spec as JSON. On pages that have charts, this script loads
 * vega, vega-lite and vega-embed from <site>/vega/ (copied from the pinned
 * npm packages at build time), draws each chart in place of its fallback and
 * marks the container data-rendered="true". Pages without charts load nothing.
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

  function main() {
    var charts = document.querySelectorAll(".evidence-chart");
    if (!charts.length) return;
    var root = siteRoot() + "vega/";
    VENDOR.reduce(function (p, file) {
      return p.then(function () { return loadScript(root + file); });
    }, Promise.resolve()).then(function () {
      return Promise.all(Array.prototype.map.call(charts, draw));
    }).catch(function (err) {
      // The static SVG stays in place; say why the live chart is missing.
      console.warn("Charts stay static: " + err.message);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", main);
  } else {
    main();
  }
})();
