/*
 * Marketplace realtime: live notifications over one websocket, toasts, unread badges,
 * and dismissible flash messages.
 *
 * Plain ES2019, no dependencies, no inline handlers and no innerHTML, so it runs under
 * a strict Content-Security-Policy (script-src 'self').
 *
 * Contract with the server (realtime app):
 *   <body data-realtime-url="/ws/notifications/"> is present only for signed-in users.
 *   Messages are JSON:
 *     {"type": "toast", "title": str, "body": str, "url": str|null}
 *     {"type": "badge", "count": int}                  (also sent when the socket opens)
 *     {"type": "notification", "id": int, "kind": str, "title": str, "body": str,
 *      "url": str|null, "unread": int}                  a stored notification: toast + badge
 *     {"type": "notification", ..., "shop_id": int, "shop_unread": int}
 *                                                      one of a shop the user works for:
 *                                                      toast + [data-shop-unread-count]
 *                                                      elements with data-shop-id=<id>
 *   Badges are elements with [data-unread-count] (the header's bell); they show the
 *   number ("99+" above 99) and are hidden at 0. If the socket cannot open (Redis down),
 *   the count is read once from GET /api/v1/me/notifications/unread-count instead.
 *   A close code of 1008, 4401 or 4403 means "not allowed": we stop reconnecting.
 *
 * Contract with tests: document.body.dataset.realtimeState is "connecting", "open" or
 * "closed" (absent when the page has no data-realtime-url).
 *
 * For other scripts: window.marketplaceToast(title, body[, url]) shows a toast, and an
 * htmx response header `HX-Trigger: {"toast": {"title": "...", "body": "..."}}` does too;
 * `HX-Trigger: {"badge": {"count": n}}` sets the unread badges (the notification
 * centre's "mark read" answers with it).
 */
(function () {
  "use strict";

  var TOAST_LIFETIME_MS = 6000;
  var TOAST_LEAVE_MS = 200;
  var MAX_VISIBLE_TOASTS = 5;
  var RECONNECT_BASE_MS = 1000;
  var RECONNECT_MAX_MS = 30000;
  var NO_RECONNECT_CODES = [1008, 4401, 4403];

  var reducedMotion =
    typeof window.matchMedia === "function" &&
    window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  // Lets CSS show controls that only work with JavaScript (dismiss buttons).
  document.documentElement.classList.add("js");

  /* Toasts ---------------------------------------------------------------------- */

  function toastRegion() {
    var region = document.getElementById("toasts");
    if (!region) {
      region = document.createElement("div");
      region.id = "toasts";
      region.className = "toasts";
      region.setAttribute("aria-live", "polite");
      region.setAttribute("aria-atomic", "false");
      document.body.appendChild(region);
    }
    return region;
  }

  /** Returns an absolute http(s) URL, or null for anything else (javascript:, data:…). */
  function safeUrl(value) {
    if (typeof value !== "string" || value === "") {
      return null;
    }
    try {
      var parsed = new URL(value, window.location.href);
      if (parsed.protocol === "http:" || parsed.protocol === "https:") {
        return parsed.href;
      }
    } catch (error) {
      // Not a URL at all: show the toast without a link.
    }
    return null;
  }

  // Per-toast countdown ids and "leaving" marks, kept off the DOM.
  var toastTimers = new WeakMap();
  var leavingToasts = new WeakSet();

  function stopTimer(toast) {
    window.clearTimeout(toastTimers.get(toast));
    toastTimers.delete(toast);
  }

  function removeToast(toast) {
    if (leavingToasts.has(toast)) {
      return;
    }
    leavingToasts.add(toast);
    stopTimer(toast);
    var hadFocus = toast.contains(document.activeElement);
    if (hadFocus) {
      // Do not strand keyboard users on a removed node.
      var main = document.getElementById("main");
      if (main) {
        main.focus({ preventScroll: true });
      }
    }
    if (reducedMotion) {
      toast.remove();
      return;
    }
    toast.classList.add("toast--leaving");
    window.setTimeout(function () {
      toast.remove();
    }, TOAST_LEAVE_MS);
  }

  function startTimer(toast) {
    stopTimer(toast);
    toastTimers.set(
      toast,
      window.setTimeout(function () {
        removeToast(toast);
      }, TOAST_LIFETIME_MS)
    );
  }

  function visibleToasts(region) {
    return Array.prototype.filter.call(region.children, function (child) {
      return child.classList.contains("toast") && !leavingToasts.has(child);
    });
  }

  function showToast(title, body, url) {
    var region = toastRegion();

    var toast = document.createElement("div");
    toast.className = "toast";

    var content = document.createElement("div");
    content.className = "toast__content";

    var heading = document.createElement("p");
    heading.className = "toast__title";
    var href = safeUrl(url);
    if (href) {
      var link = document.createElement("a");
      link.href = href;
      link.textContent = String(title || "");
      heading.appendChild(link);
    } else {
      heading.textContent = String(title || "");
    }
    content.appendChild(heading);

    if (body) {
      var text = document.createElement("p");
      text.className = "toast__body";
      text.textContent = String(body);
      content.appendChild(text);
    }

    var close = document.createElement("button");
    close.type = "button";
    close.className = "toast__close";
    close.setAttribute("aria-label", "Dismiss notification");
    close.textContent = "\u00D7";
    close.addEventListener("click", function () {
      removeToast(toast);
    });

    toast.appendChild(content);
    toast.appendChild(close);

    // Pause the countdown while the pointer or keyboard focus is on the toast
    // (WCAG 2.2.1: users must be able to read and act before it goes).
    toast.addEventListener("mouseenter", function () {
      stopTimer(toast);
    });
    toast.addEventListener("mouseleave", function () {
      if (!toast.contains(document.activeElement)) {
        startTimer(toast);
      }
    });
    toast.addEventListener("focusin", function () {
      stopTimer(toast);
    });
    toast.addEventListener("focusout", function (event) {
      if (!toast.contains(event.relatedTarget) && !toast.matches(":hover")) {
        startTimer(toast);
      }
    });

    var current = visibleToasts(region);
    for (var i = 0; i <= current.length - MAX_VISIBLE_TOASTS; i += 1) {
      stopTimer(current[i]);
      current[i].remove();
    }

    region.appendChild(toast);
    startTimer(toast);
    return toast;
  }

  window.marketplaceToast = function (title, body, url) {
    return showToast(title, body, url);
  };

  // htmx dispatches HX-Trigger header events on the requesting element; they bubble.
  document.addEventListener("toast", function (event) {
    var detail = event.detail || {};
    showToast(detail.title, detail.body, detail.url);
  });

  /* Unread badges --------------------------------------------------------------- */

  var MAX_SHOWN_COUNT = 99;

  function setCount(badge, attribute, number) {
    badge.textContent = number > MAX_SHOWN_COUNT ? MAX_SHOWN_COUNT + "+" : String(number);
    badge.setAttribute(attribute, String(number));
    badge.hidden = number === 0;
  }

  function countOf(value) {
    var number = Math.max(0, Math.floor(Number(value)));
    return Number.isFinite(number) ? number : null;
  }

  function updateBadges(count) {
    var number = countOf(count);
    if (number === null) {
      return;
    }
    Array.prototype.forEach.call(document.querySelectorAll("[data-unread-count]"), function (badge) {
      setCount(badge, "data-unread-count", number);
    });
  }

  function updateShopBadges(shopId, count) {
    var number = countOf(count);
    if (number === null) {
      return;
    }
    var badges = document.querySelectorAll("[data-shop-unread-count]");
    Array.prototype.forEach.call(badges, function (badge) {
      if (badge.getAttribute("data-shop-id") === String(shopId)) {
        setCount(badge, "data-shop-unread-count", number);
      }
    });
  }

  // htmx: `HX-Trigger: {"badge": {"count": n}}` after marking notifications read.
  document.addEventListener("badge", function (event) {
    var detail = event.detail || {};
    updateBadges(detail.count);
  });

  /* Flash message dismissal ------------------------------------------------------ */

  // <button data-dismiss> removes its closest .flash / [data-dismissible];
  // <button data-dismiss=".selector"> removes its closest match of that selector.
  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("[data-dismiss]") : null;
    if (!button) {
      return;
    }
    var selector = button.getAttribute("data-dismiss") || ".flash, [data-dismissible]";
    var target = null;
    try {
      target = button.closest(selector);
    } catch (error) {
      target = null;
    }
    target = target || button.parentElement;
    if (!target) {
      return;
    }
    event.preventDefault();
    var hadFocus = target.contains(document.activeElement);
    target.remove();
    var main = document.getElementById("main");
    if (hadFocus && main) {
      main.focus({ preventScroll: true });
    }
  });

  /* Broken product images ------------------------------------------------------ */

  // A failed image inside a media box is hidden so the placeholder shows through.
  // (No onerror attributes: a strict CSP forbids inline handlers.) "error" does not
  // bubble, hence the capture phase; images that failed before this script ran are
  // caught by the sweep below.
  function hideIfBroken(image) {
    if (image.closest(".listing-card__media, [data-media]")) {
      image.hidden = true;
    }
  }
  document.addEventListener(
    "error",
    function (event) {
      if (event.target instanceof HTMLImageElement) {
        hideIfBroken(event.target);
      }
    },
    true
  );
  Array.prototype.forEach.call(document.images, function (image) {
    if (image.complete && image.naturalWidth === 0 && image.getAttribute("src")) {
      hideIfBroken(image);
    }
  });

  /* Websocket ------------------------------------------------------------------- */

  var path = document.body.getAttribute("data-realtime-url");
  if (!path || typeof window.WebSocket !== "function") {
    return;
  }

  var socketUrl =
    (window.location.protocol === "https:" ? "wss" : "ws") + "://" + window.location.host + path;
  var socket = null;
  var attempt = 0;
  var reconnectTimer = null;
  var stopped = false;

  function setState(state) {
    document.body.dataset.realtimeState = state;
  }

  function handleMessage(raw) {
    var message;
    try {
      message = JSON.parse(raw);
    } catch (error) {
      return;
    }
    if (!message || typeof message !== "object") {
      return;
    }
    if (message.type === "toast") {
      showToast(message.title, message.body, message.url);
    } else if (message.type === "badge") {
      updateBadges(message.count);
    } else if (message.type === "notification") {
      showToast(message.title, message.body, message.url);
      if (message.shop_id !== undefined && message.shop_id !== null) {
        updateShopBadges(message.shop_id, message.shop_unread);
      } else if (message.unread !== undefined) {
        updateBadges(message.unread);
      }
    }
  }

  // Without a socket (Redis down, a proxy that drops websockets) the badge still shows
  // what is stored: ask once per page.
  var countFetched = false;
  var everOpened = false;

  function fetchUnreadCountOnce() {
    if (countFetched || typeof window.fetch !== "function") {
      return;
    }
    countFetched = true;
    window
      .fetch("/api/v1/me/notifications/unread-count", {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (body) {
        if (body && body.count !== undefined) {
          updateBadges(body.count);
        }
      })
      .catch(function () {
        // Offline: the bell stays a plain link to the notification centre.
      });
  }

  /** Capped exponential backoff with jitter: 1 s, 1–2 s, 2–4 s, … up to 30 s. */
  function nextDelay() {
    var ceiling = Math.min(RECONNECT_MAX_MS, RECONNECT_BASE_MS * Math.pow(2, attempt));
    var jittered = ceiling / 2 + Math.random() * (ceiling / 2);
    attempt += 1;
    return Math.min(RECONNECT_MAX_MS, Math.max(RECONNECT_BASE_MS, jittered));
  }

  function scheduleReconnect() {
    if (stopped || reconnectTimer !== null) {
      return;
    }
    reconnectTimer = window.setTimeout(function () {
      reconnectTimer = null;
      connect();
    }, nextDelay());
  }

  function connect() {
    if (stopped) {
      return;
    }
    setState("connecting");
    var ws;
    try {
      ws = new WebSocket(socketUrl);
    } catch (error) {
      setState("closed");
      scheduleReconnect();
      return;
    }
    socket = ws;
    ws.addEventListener("open", function () {
      attempt = 0;
      everOpened = true;
      setState("open");
    });
    ws.addEventListener("message", function (event) {
      handleMessage(event.data);
    });
    ws.addEventListener("close", function (event) {
      if (socket !== ws) {
        return;
      }
      socket = null;
      setState("closed");
      if (NO_RECONNECT_CODES.indexOf(event.code) !== -1) {
        stopped = true;
        return;
      }
      if (!everOpened) {
        fetchUnreadCountOnce();
      }
      scheduleReconnect();
    });
    // An "error" is always followed by "close", which does the bookkeeping.
  }

  function reconnectNow() {
    if (stopped || socket !== null) {
      return;
    }
    if (reconnectTimer !== null) {
      window.clearTimeout(reconnectTimer);
      reconnectTimer = null;
    }
    attempt = 0;
    connect();
  }

  // Back online or page restored from the back/forward cache: do not wait out the backoff.
  window.addEventListener("online", reconnectNow);
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      reconnectNow();
    }
  });
  // Close cleanly on navigation so the server sees a normal disconnect and the page can
  // enter the back/forward cache.
  window.addEventListener("pagehide", function () {
    if (reconnectTimer !== null) {
      window.clearTimeout(reconnectTimer);
      reconnectTimer = null;
    }
    if (socket !== null) {
      var closing = socket;
      socket = null;
      closing.close(1000, "page hidden");
      setState("closed");
    }
  });

  connect();
})();
