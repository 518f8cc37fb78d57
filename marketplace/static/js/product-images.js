/*
 * Product images in the seller dashboard (sellers/templates/sellers/images/section.html):
 * upload several files at once (drag and drop or the file picker) with per-file
 * progress, and reorder images by dragging them with a mouse, pen or finger.
 *
 * Without this script the section is plain forms: the file input with its Upload button,
 * Up/Down buttons and a Delete confirmation. Everything here is event delegation on the
 * document, so it keeps working when htmx or this script replaces the list, and loading
 * the script twice does nothing more.
 *
 * Plain ES2019, no dependencies, no inline handlers; server HTML is parsed with
 * DOMParser (never run) and swapped in as nodes, then handed to htmx.process().
 *
 * Contract with the server (sellers.image_views):
 *   - the upload form [data-image-upload] posts `images` to data-upload-url; this script
 *     sends one file per request (in the order given) with HX-Request, and gets back the
 *     #product-images-list partial: 200 when added (swapped in), 422 with
 *     [data-upload-errors] li ("name: message") when refused (shown on the file's row);
 *   - [data-image-order] has data-order-url; dropping an image posts every image id as
 *     `image_ids` in the new order and gets the partial back (422 with a message).
 * Contract with tests: each upload shows an li.upload-progress__item with data-state
 * "uploading", "done" or "failed" and its text.
 */
(function () {
  "use strict";

  if (window.productImagesReady) {
    return;
  }
  window.productImagesReady = true;
  document.documentElement.classList.add("js");

  var LIST_ID = "product-images-list";

  /* Requests --------------------------------------------------------------------- */

  function csrfToken() {
    var headers = document.body.getAttribute("hx-headers");
    if (headers) {
      try {
        var token = JSON.parse(headers)["X-CSRFToken"];
        if (token) {
          return token;
        }
      } catch (error) {
        // fall through to the cookie
      }
    }
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  /** POST `body` to `url` as htmx would; calls back with (status, html). */
  function post(url, body, onDone, onProgress) {
    var request = new XMLHttpRequest();
    request.open("POST", url);
    request.setRequestHeader("X-CSRFToken", csrfToken());
    request.setRequestHeader("HX-Request", "true");
    request.setRequestHeader("HX-Target", LIST_ID);
    if (onProgress && request.upload) {
      request.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) {
          onProgress(event.loaded / event.total);
        }
      });
    }
    request.addEventListener("load", function () {
      onDone(request.status, request.responseText);
    });
    request.addEventListener("error", function () {
      onDone(0, "");
    });
    request.send(body);
  }

  /** Replace the images list with the one in `html`; returns the new list or null. */
  function swapList(html) {
    var current = document.getElementById(LIST_ID);
    if (!current || !html) {
      return null;
    }
    var parsed = new DOMParser().parseFromString(html, "text/html");
    var fresh = parsed.getElementById(LIST_ID);
    if (!fresh) {
      return null;
    }
    fresh = document.importNode(fresh, true);
    current.replaceWith(fresh);
    if (window.htmx) {
      window.htmx.process(fresh);
    }
    return fresh;
  }

  /* Uploads ---------------------------------------------------------------------- */

  function progressItem(form, file) {
    var list = form.querySelector("[data-upload-progress]");
    var item = document.createElement("li");
    item.className = "upload-progress__item";
    item.dataset.state = "waiting";
    var name = document.createElement("span");
    name.className = "upload-progress__name";
    name.textContent = file.name;
    var bar = document.createElement("progress");
    bar.className = "upload-progress__bar";
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", "Upload of " + file.name);
    var status = document.createElement("span");
    status.className = "upload-progress__status";
    status.textContent = "Waiting";
    item.append(name, bar, status);
    list.appendChild(item);
    return {
      set: function (state, text, percent) {
        item.dataset.state = state;
        status.textContent = text;
        if (typeof percent === "number") {
          bar.value = percent;
        }
      },
    };
  }

  function refusal(status, html, fileName) {
    var parsed = new DOMParser().parseFromString(html || "", "text/html");
    var entry = parsed.querySelector("[data-upload-errors] li");
    if (entry) {
      return entry.textContent.trim();
    }
    if (status === 0) {
      return fileName + ": the upload failed. Check your connection and try again.";
    }
    return fileName + ": the upload failed (error " + status + "). Reload the page and try again.";
  }

  /** Upload `files` one after the other, each with its own progress row. */
  function uploadFiles(form, files) {
    var url = form.dataset.uploadUrl;
    var list = form.querySelector("[data-upload-progress]");
    var queue = Array.prototype.slice.call(files);
    if (!url || !queue.length) {
      return;
    }
    list.replaceChildren();
    // Messages in the list are about what happened before this batch.
    var images = document.getElementById(LIST_ID);
    if (images) {
      images.querySelectorAll("[data-notice], [data-upload-errors]").forEach(function (old) {
        old.remove();
      });
    }
    var rows = queue.map(function (file) {
      return progressItem(form, file);
    });
    var index = 0;
    function next() {
      if (index >= queue.length) {
        form.reset();
        return;
      }
      var file = queue[index];
      var row = rows[index];
      index += 1;
      row.set("uploading", "Uploading 0%", 0);
      var body = new FormData();
      body.append("images", file, file.name);
      post(
        url,
        body,
        function (status, html) {
          if (status === 200) {
            row.set("done", "Added", 100);
            // The rows say what each file did; the list's own notice would only count
            // the last one ("1 image added.").
            var fresh = swapList(html);
            var notice = fresh && fresh.querySelector("[data-notice]");
            if (notice) {
              notice.remove();
            }
          } else if (status === 422) {
            // Nothing changed; the row shows the reason, so the list stays as it is.
            row.set("failed", refusal(status, html, file.name), 0);
          } else {
            row.set("failed", refusal(status, "", file.name), 0);
          }
          next();
        },
        function (fraction) {
          var percent = Math.round(fraction * 100);
          row.set("uploading", "Uploading " + percent + "%", percent);
        }
      );
    }
    next();
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || input.type !== "file") {
      return;
    }
    var form = input.closest("[data-image-upload]");
    if (form && input.files && input.files.length) {
      uploadFiles(form, input.files);
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target.closest && event.target.closest("[data-image-upload]");
    if (!form) {
      return;
    }
    var input = form.querySelector("input[type=file]");
    if (input && input.files && input.files.length) {
      event.preventDefault();
      uploadFiles(form, input.files);
    }
  });

  function dropZoneOf(event) {
    return event.target.closest ? event.target.closest("[data-drop-zone]") : null;
  }

  function carriesFiles(event) {
    var types = event.dataTransfer ? Array.prototype.slice.call(event.dataTransfer.types) : [];
    return types.indexOf("Files") !== -1;
  }

  ["dragenter", "dragover"].forEach(function (type) {
    document.addEventListener(type, function (event) {
      var zone = dropZoneOf(event);
      if (zone && carriesFiles(event)) {
        event.preventDefault();
        event.dataTransfer.dropEffect = "copy";
        zone.classList.add("is-over");
      }
    });
  });

  document.addEventListener("dragleave", function (event) {
    var zone = dropZoneOf(event);
    if (zone && !zone.contains(event.relatedTarget)) {
      zone.classList.remove("is-over");
    }
  });

  document.addEventListener("drop", function (event) {
    var zone = dropZoneOf(event);
    if (!zone) {
      return;
    }
    event.preventDefault();
    zone.classList.remove("is-over");
    var form = zone.closest("[data-image-upload]");
    if (form && event.dataTransfer && event.dataTransfer.files.length) {
      uploadFiles(form, event.dataTransfer.files);
    }
  });

  /* Reordering by dragging ------------------------------------------------------- */

  var drag = null;

  function orderOf(list) {
    return Array.prototype.map.call(list.querySelectorAll("[data-image-id]"), function (item) {
      return item.dataset.imageId;
    });
  }

  document.addEventListener("pointerdown", function (event) {
    var handle = event.target.closest && event.target.closest("[data-drag-handle]");
    if (!handle || event.button !== 0) {
      return;
    }
    var item = handle.closest("[data-image-id]");
    var list = item && item.closest("[data-image-order]");
    if (!list || !list.dataset.orderUrl) {
      return;
    }
    event.preventDefault();
    handle.setPointerCapture(event.pointerId);
    drag = { item: item, list: list, handle: handle, before: orderOf(list).join(",") };
    item.classList.add("is-dragging");
    list.classList.add("is-sorting");
  });

  document.addEventListener("pointermove", function (event) {
    if (!drag) {
      return;
    }
    event.preventDefault();
    var siblings = Array.prototype.filter.call(
      drag.list.querySelectorAll("[data-image-id]"),
      function (each) {
        return each !== drag.item;
      }
    );
    var before = null;
    for (var i = 0; i < siblings.length; i += 1) {
      var box = siblings[i].getBoundingClientRect();
      if (event.clientY < box.top + box.height / 2) {
        before = siblings[i];
        break;
      }
    }
    if (before !== drag.item.nextElementSibling) {
      drag.list.insertBefore(drag.item, before);
    }
  });

  function endDrag(event) {
    if (!drag) {
      return;
    }
    var finished = drag;
    drag = null;
    if (finished.handle.hasPointerCapture(event.pointerId)) {
      finished.handle.releasePointerCapture(event.pointerId);
    }
    finished.item.classList.remove("is-dragging");
    finished.list.classList.remove("is-sorting");
    var order = orderOf(finished.list);
    if (order.join(",") === finished.before) {
      return;
    }
    var body = new URLSearchParams();
    order.forEach(function (id) {
      body.append("image_ids", id);
    });
    finished.list.setAttribute("aria-busy", "true");
    post(finished.list.dataset.orderUrl, body, function (status, html) {
      finished.list.removeAttribute("aria-busy");
      if (!swapList(html)) {
        window.location.reload();
      }
    });
  }

  document.addEventListener("pointerup", endDrag);
  document.addEventListener("pointercancel", endDrag);
})();
