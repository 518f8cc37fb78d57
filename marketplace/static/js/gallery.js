/*
 * Product gallery: clicking a thumbnail shows its picture in the main image.
 *
 * Without this script every thumbnail is a link to its full-size picture, so nothing is
 * lost. Markup (storefront/product_detail.html):
 *   [data-gallery]
 *     a[data-gallery-main-link] > img[data-gallery-main]
 *     a[data-gallery-thumb][data-full][data-alt][data-width][data-height] (aria-current on the shown one)
 * Plain ES2019, no inline handlers: runs under script-src 'self'.
 */
(function () {
  "use strict";

  function show(gallery, thumb) {
    var main = gallery.querySelector("[data-gallery-main]");
    var link = gallery.querySelector("[data-gallery-main-link]");
    if (!main) return;
    main.src = thumb.dataset.full;
    main.alt = thumb.dataset.alt || "";
    if (thumb.dataset.width) main.width = Number(thumb.dataset.width);
    if (thumb.dataset.height) main.height = Number(thumb.dataset.height);
    if (link) link.href = thumb.dataset.full;
    gallery.querySelectorAll("[data-gallery-thumb]").forEach(function (other) {
      if (other === thumb) {
        other.setAttribute("aria-current", "true");
      } else {
        other.removeAttribute("aria-current");
      }
    });
  }

  function init(gallery) {
    gallery.addEventListener("click", function (event) {
      var thumb = event.target.closest("[data-gallery-thumb]");
      if (!thumb || !gallery.contains(thumb)) return;
      // Let modified clicks (new tab, download) do what the link does.
      if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      event.preventDefault();
      show(gallery, thumb);
    });
  }

  function start() {
    document.querySelectorAll("[data-gallery]").forEach(init);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
