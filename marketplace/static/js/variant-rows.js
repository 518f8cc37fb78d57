/*
 * Catalog dashboard: small enhancements of pages that work without JavaScript.
 *
 * Plain ES2019, no dependencies, no inline handlers and no innerHTML (strict CSP).
 *
 * Product editor (sellers/products/partials/editor.html):
 *   - "Add a variant" / "Add an attribute" (<button data-add-row="variants">) copy the
 *     formset's empty row from <template id="variants-template"> instead of posting the
 *     form with add_variant=1, and bump the management form's TOTAL_FORMS.
 *   - Typing option names (<input data-option-name="0">) shows and labels the matching
 *     option column ([data-option-column="0"], [data-option-label]) of every variant row,
 *     so the "show these options" button (class no-js-only) is not needed.
 *   - After htmx puts the editor back with errors, focus moves to the error summary.
 * Product list (sellers/products/partials/list.html):
 *   - The header checkbox ([data-select-all], hidden without JavaScript) selects every row;
 *     [data-selected-count] says how many are selected.
 */
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  var PREFIX = /__prefix__/g;

  /* Product editor: rows ------------------------------------------------------------ */

  function renumber(element, index) {
    ["id", "name", "for", "aria-describedby"].forEach(function (attribute) {
      var value = element.getAttribute(attribute);
      if (value && value.indexOf("__prefix__") !== -1) {
        element.setAttribute(attribute, value.replace(PREFIX, String(index)));
      }
    });
  }

  function addRow(button) {
    var kind = button.getAttribute("data-add-row");
    var form = button.form;
    var template = document.getElementById(kind + "-template");
    var rows = form && form.querySelector('[data-rows="' + kind + '"]');
    var total = form && form.querySelector('input[name="' + kind + '-TOTAL_FORMS"]');
    var maximum = form && form.querySelector('input[name="' + kind + '-MAX_NUM_FORMS"]');
    if (!template || !rows || !total) {
      return false;
    }
    var index = parseInt(total.value, 10) || 0;
    if (maximum && index >= (parseInt(maximum.value, 10) || Infinity)) {
      return true; // the server would refuse more; swallow the click
    }
    var fragment = template.content.cloneNode(true);
    var row = fragment.firstElementChild;
    while (row && !row.hasAttribute("data-row")) {
      row = row.nextElementSibling;
    }
    if (!row) {
      return false;
    }
    renumber(row, index);
    row.querySelectorAll("*").forEach(function (element) {
      renumber(element, index);
    });
    rows.appendChild(row);
    total.value = String(index + 1);
    syncOptionColumns(form);
    var first = row.querySelector("input:not([type=hidden]):not([type=checkbox])");
    if (first) {
      first.focus();
    }
    return true;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-add-row]");
    if (button && addRow(button)) {
      event.preventDefault();
      event.stopPropagation(); // htmx must not submit the form for it
    }
  }, true);

  /* Product editor: option columns -------------------------------------------------- */

  function syncOptionColumns(form) {
    if (!form) {
      return;
    }
    form.querySelectorAll("input[data-option-name]").forEach(function (input) {
      var column = input.getAttribute("data-option-name");
      var name = input.value.trim();
      form.querySelectorAll('[data-option-column="' + column + '"]').forEach(function (field) {
        field.hidden = name === "";
        var label = field.querySelector("[data-option-label]");
        if (label) {
          label.textContent = name || "Option";
        }
      });
    });
  }

  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("input[data-option-name]")) {
      syncOptionColumns(event.target.form);
    }
  });

  /* Product list: select all -------------------------------------------------------- */

  function updateSelection(form) {
    if (!form) {
      return;
    }
    var boxes = Array.prototype.slice.call(form.querySelectorAll('input[name="product"]'));
    var checked = boxes.filter(function (box) {
      return box.checked;
    }).length;
    var all = form.querySelector("input[data-select-all]");
    if (all) {
      all.checked = boxes.length > 0 && checked === boxes.length;
      all.indeterminate = checked > 0 && checked < boxes.length;
    }
    var count = form.querySelector("[data-selected-count]");
    if (count) {
      count.textContent = checked ? checked + " selected" : "";
    }
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!target.matches) {
      return;
    }
    if (target.matches("input[data-select-all]")) {
      target.form.querySelectorAll('input[name="product"]').forEach(function (box) {
        box.checked = target.checked;
      });
      updateSelection(target.form);
    } else if (target.matches('input[name="product"]')) {
      updateSelection(target.form);
    }
  });

  /* Set-up, on load and after every htmx swap --------------------------------------- */

  function enhance(root) {
    root.querySelectorAll("input[data-select-all]").forEach(function (box) {
      box.hidden = false;
      updateSelection(box.form);
    });
    root.querySelectorAll("form#product-form").forEach(syncOptionColumns);
    var summary = root.querySelector("[data-error-summary]");
    if (summary) {
      summary.focus();
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    enhance(document);
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (target && target.querySelectorAll) {
      enhance(target);
    }
  });
})();
