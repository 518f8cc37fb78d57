/*
 * The discount and promotion forms, progressively enhanced (everything works without it):
 * - show only the fields the chosen kind and scope use;
 * - preselect the browser's time zone on a new form (both times still empty);
 * - Enter in the product search searches instead of saving.
 * Re-applies itself after htmx swaps the form.
 */
(function () {
  "use strict";

  function checked(root, name) {
    var input = root.querySelector('input[name="' + name + '"]:checked');
    return input ? input.value : "";
  }

  function update(root) {
    var kind = checked(root, "kind");
    var scope = checked(root, "scope");
    root.querySelectorAll("[data-show-unless-kind]").forEach(function (element) {
      element.hidden = kind !== "" && element.getAttribute("data-show-unless-kind") === kind;
    });
    root.querySelectorAll("[data-show-when-scope]").forEach(function (element) {
      element.hidden = scope !== "" && element.getAttribute("data-show-when-scope") !== scope;
    });
  }

  function preselectTimeZone(root) {
    var select = root.querySelector("[data-discount-time-zone]");
    if (!select || select.value !== "UTC") return;
    var times = root.querySelectorAll('input[type="datetime-local"]');
    for (var i = 0; i < times.length; i++) {
      if (times[i].value) return;
    }
    var zone;
    try {
      zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    } catch (error) {
      return;
    }
    if (zone && select.querySelector('option[value="' + zone + '"]')) select.value = zone;
  }

  function enhance(scope) {
    (scope || document).querySelectorAll("[data-rule-fields]").forEach(function (root) {
      if (root.dataset.enhanced) return;
      root.dataset.enhanced = "1";
      root.addEventListener("change", function () { update(root); });
      update(root);
      preselectTimeZone(root);
    });
  }

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key === "Enter" && target && target.hasAttribute && target.hasAttribute("data-discount-product-search")) {
      event.preventDefault();
      target.dispatchEvent(new Event("search", { bubbles: true }));
    }
  });
  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:afterSwap", function (event) { enhance(event.target); });
})();
