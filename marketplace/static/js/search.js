/*
 * Search page: the "Filters" <details> is a toggle on narrow screens only.
 *
 * The server renders it open (so it works without JavaScript); here it is closed on
 * narrow screens when the page loads, always open on wide ones (where CSS hides the
 * toggle), and it keeps its open/closed state when htmx re-renders the form.
 * No inline handlers, no eval: runs under a strict Content-Security-Policy.
 */
(function () {
  "use strict";

  var NARROW = "(max-width: 799.98px)";
  var narrow = typeof window.matchMedia === "function" ? window.matchMedia(NARROW) : null;
  var openBeforeSwap = null;

  function filters() {
    return document.querySelector("[data-search-filters]");
  }

  function isNarrow() {
    return narrow !== null && narrow.matches;
  }

  function place(keepOpen) {
    var details = filters();
    if (!details) {
      return;
    }
    if (!isNarrow()) {
      details.open = true;
    } else if (keepOpen !== null) {
      details.open = keepOpen;
    } else {
      details.open = false;
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    place(null);
  });

  if (narrow !== null && typeof narrow.addEventListener === "function") {
    narrow.addEventListener("change", function () {
      place(null);
    });
  }

  document.body.addEventListener("htmx:beforeSwap", function () {
    var details = filters();
    openBeforeSwap = details ? details.open : null;
  });

  document.body.addEventListener("htmx:afterSwap", function () {
    place(openBeforeSwap);
    openBeforeSwap = null;
  });
})();
