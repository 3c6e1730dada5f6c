/* The book's search scorer (Sphinx's html_search_scorer): the same weights as Sphinx's
 * default, with the chapters and reference pages ranked above the analysis notebooks, which
 * repeat the chapters' words in code and tables. A reader searching "baclofen" wants the
 * chapter first; the analysis stays in the list below it.
 */
var Scorer = {
  score: function (result) {
    var docname = result[0], score = result[4];
    return docname.indexOf("notebooks/") === 0 ? score - 100 : score;
  },
  objNameMatch: 11,
  objPartialMatch: 6,
  objPrio: { 0: 15, 1: 5, 2: -5 },
  objPrioDefault: 0,
  title: 15,
  partialTitle: 7,
  term: 5,
  partialTerm: 2,
};

/* A result's snippet is taken from the page's text. An analysis page's text is mostly its
 * code, so its snippet would show code: drop the code cells before the snippet is cut,
 * leaving the analysis's own explanations and results. (Sphinx appends this file after
 * searchtools.js, so Search exists here.) */
if (typeof Search !== "undefined" && Search.htmlToText && !Search.htmlToText.bookWrapped) {
  const pageText = Search.htmlToText;
  Search.htmlToText = function (htmlString, anchor) {
    const doc = new DOMParser().parseFromString(htmlString, "text/html");
    doc.querySelectorAll(".cell_input, .cell .highlight").forEach((el) => el.remove());
    return pageText(doc.documentElement.outerHTML, anchor);
  };
  Search.htmlToText.bookWrapped = true;
}
