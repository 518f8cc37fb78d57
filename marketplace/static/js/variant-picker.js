/*
 * Variant picker: choosing option values updates the price, the crossed-out "was" price,
 * the stock status, the SKU and the selected variant id at once, and the address
 * (?variant=<id>) so the page can be shared or reloaded as it is.
 *
 * Without this script the picker is a plain GET form the server answers with the chosen
 * variant (storefront.views.product_detail), so nothing is lost.
 *
 * Markup (storefront/product_detail.html):
 *   form[data-variant-picker][data-variants=<id of the json_script>][data-currency]
 *     input[type=radio][name=option1|option2|option3]   one group per option, in order
 *     input[data-variant-id]                             the selected variant's id
 *     button[data-picker-submit]                         hidden: changes apply at once
 *   [data-product-buy] with [data-price], [data-compare-at] > [data-compare-at-amount],
 *     [data-sale-badge], [data-stock], [data-sku], [data-unavailable]
 *   The JSON: [{"id", "sku", "options": [values in option order], "price",
 *               "compare_at_price" (or null), "stock_status"}]
 * Plain ES2019, no inline handlers and no innerHTML: runs under script-src 'self'.
 */
(function () {
  "use strict";

  var PARAMETERS = ["option1", "option2", "option3"];

  function init(form) {
    var source = document.getElementById(form.dataset.variants);
    var buy = document.querySelector("[data-product-buy]");
    if (!source || !buy) return;
    var variants = JSON.parse(source.textContent);
    var currency = form.dataset.currency || "";
    var parameters = PARAMETERS.filter(function (name) {
      return form.querySelector('input[name="' + name + '"]') !== null;
    });

    function chosen() {
      return parameters.map(function (name) {
        var input = form.querySelector('input[name="' + name + '"]:checked');
        return input ? input.value : null;
      });
    }

    function find(values) {
      return variants.find(function (variant) {
        return values.every(function (value, index) {
          return variant.options[index] === value;
        });
      });
    }

    function set(selector, text) {
      var element = buy.querySelector(selector);
      if (element) element.textContent = text;
      return element;
    }

    function markUnavailable(values) {
      // A value no variant has together with the other current choices looks struck out.
      parameters.forEach(function (name, index) {
        form.querySelectorAll('input[name="' + name + '"]').forEach(function (input) {
          var trial = values.slice();
          trial[index] = input.value;
          var label = input.closest("label");
          if (label) label.classList.toggle("option-pill--unavailable", !find(trial));
        });
      });
    }

    function update() {
      var values = chosen();
      var variant = find(values);
      var unavailable = buy.querySelector("[data-unavailable]");
      markUnavailable(values);
      if (unavailable) unavailable.hidden = Boolean(variant);
      var stock = buy.querySelector("[data-stock]");
      if (!variant) {
        if (stock) {
          stock.textContent = "Not available";
          stock.className = "stock stock--out";
        }
        return;
      }
      var price = set("[data-price]", currency + " " + variant.price);
      var onSale = Boolean(variant.compare_at_price);
      if (price) price.classList.toggle("price__current--sale", onSale);
      var compareAt = buy.querySelector("[data-compare-at]");
      if (compareAt) compareAt.hidden = !onSale;
      set("[data-compare-at-amount]", onSale ? currency + " " + variant.compare_at_price : "");
      var badge = buy.querySelector("[data-sale-badge]");
      if (badge) badge.hidden = !onSale;
      if (stock) {
        stock.textContent = variant.stock_status;
        stock.className =
          "stock" +
          (variant.stock_status === "Out of stock"
            ? " stock--out"
            : variant.stock_status.indexOf("Only ") === 0
              ? " stock--low"
              : "");
      }
      set("[data-sku]", variant.sku);
      var id = form.querySelector("[data-variant-id]");
      if (id) id.value = String(variant.id);
      form.dataset.selectedVariant = String(variant.id);
      if (window.history && window.history.replaceState) {
        var url = new URL(window.location.href);
        PARAMETERS.forEach(function (name) {
          url.searchParams.delete(name);
        });
        url.searchParams.set("variant", String(variant.id));
        window.history.replaceState(null, "", url.pathname + url.search + url.hash);
      }
    }

    var submit = form.querySelector("[data-picker-submit]");
    if (submit) submit.hidden = true;
    form.addEventListener("change", update);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      update();
    });
    markUnavailable(chosen());
    form.dataset.pickerReady = "true";
  }

  function start() {
    document.querySelectorAll("[data-variant-picker]").forEach(init);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
