/* A downloaded copy of the book, opened from disk (file://), works without a server.
 *
 * One thing needs adjusting: Sphinx's search page fetches each result page to show a
 * snippet, and browsers refuse fetch() for file:// pages, which left console errors and
 * an unhandled rejection per result. Opened from disk, search lists its results with
 * their titles only. Jupyter Book links every script in _static/ into every page; on any
 * page served over HTTP(S) this script does nothing.
 */
(function () {
  "use strict";
  /* global DOCUMENTATION_OPTIONS */
  // documentation_options.js declares it with const: a global, not a window property.
  if (window.location.protocol === "file:" && typeof DOCUMENTATION_OPTIONS === "object") {
    DOCUMENTATION_OPTIONS.SHOW_SEARCH_SUMMARY = false;
  }
})();
