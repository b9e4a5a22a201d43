/* The search page: Pagefind's UI over the language's own index (Pagefind picks it from
   <html lang>), in the portal's own words, with dates and posters in the results and the
   header box's query run at once. Pagefind rebuilds excerpts with plain spaces, so they are
   typeset again here with the site's own rules (newsreel.typography, handed over as data). */
window.addEventListener("DOMContentLoaded", function () {
  var element = document.getElementById("search");
  if (!element || typeof PagefindUI === "undefined") { return; }
  function data(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  var rules = (data("typography-rules") || []).map(function (rule) {
    return [new RegExp(rule[0], "g"), rule[1]];
  });
  function typeset(text) {
    return rules.reduce(function (out, rule) { return out.replace(rule[0], rule[1]); }, text);
  }
  var ui = new PagefindUI({
    element: "#search",
    bundlePath: element.getAttribute("data-bundle"),
    showImages: true,
    showSubResults: false,
    resetStyles: false,
    translations: data("search-i18n") || {},
    processResult: function (result) {
      var meta = result.meta || {};
      var date = meta.date;
      delete meta.date;  /* shown before the excerpt, not as an English "Date:" tag */
      /* an excerpt cut just after a quotation or a clause starts with its end: drop it */
      var excerpt = result.excerpt.replace(/^[\s»”:;,.!?)]+/, "");
      result.excerpt = typeset((date ? date + " — " : "") + excerpt);
      if (meta.title) { meta.title = typeset(meta.title); }  /* indexed with plain apostrophes */
      return result;
    }
  });
  /* Pagefind's box has only a title: give it a real label, for screen readers. */
  var labelInput = function () {
    var input = element.querySelector(".pagefind-ui__search-input");
    if (!input) { return false; }
    if (!input.id) {
      input.id = "search-input";
      var label = document.createElement("label");
      label.className = "visually-hidden";
      label.htmlFor = input.id;
      label.textContent = element.getAttribute("data-label") || input.getAttribute("placeholder");
      input.parentNode.insertBefore(label, input);
      input.removeAttribute("title");
    }
    return true;
  };
  if (!labelInput()) {
    new MutationObserver(function (changes, observer) {
      if (labelInput()) { observer.disconnect(); }
    }).observe(element, { childList: true, subtree: true });
  }
  var query = new URLSearchParams(window.location.search).get("q");
  if (query) { ui.triggerSearch(query); }
});
