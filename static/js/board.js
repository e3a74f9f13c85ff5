// The pipeline board: drag a card, or use its menu, to move a lead. The server decides: a
// refused move shows its reason and the card goes back where it was; a move made says so, and
// the card stays in its new column, marked as moved, until the page is reloaded.
(function () {
  "use strict";

  const SIDE_EXITS = { recycled: "Why recycle this lead?", disqualified: "Why disqualify this lead?" };
  const NO_REASON = { code: "", note: "" };
  const pending = new Map(); // lead id -> where a dragged card came from
  const fromMenu = new Set(); // leads moved with the menu, whose new card then takes the focus

  function leadOf(card) {
    return card.id.replace("card-", "");
  }

  function csrfToken() {
    return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
  }

  // A side exit asks for the reason code and a note in the board's dialog; resolves to them,
  // or to null when the user cancels. Other moves need none.
  function askReason(stage) {
    const dialog = document.getElementById("reject-dialog");
    if (!(stage in SIDE_EXITS) || !dialog) return Promise.resolve(NO_REASON);
    const form = dialog.querySelector("form");
    form.reset();
    dialog.querySelector("[data-dialog-title]").textContent = SIDE_EXITS[stage];
    return new Promise((resolve) => {
      dialog.addEventListener("close", () => {
        if (dialog.returnValue !== "move") {
          resolve(null);
          return;
        }
        resolve({ code: form.elements.rejection_reason.value, note: form.elements.reason.value.trim() });
      }, { once: true });
      dialog.returnValue = "";
      dialog.showModal();
    });
  }

  function putBack(leadId) {
    const origin = pending.get(leadId);
    pending.delete(leadId);
    if (!origin) return;
    origin.list.insertBefore(origin.card, origin.list.children[origin.index] || null);
  }

  function move(card, toStage, reason) {
    // The board carries the move URL of lead 0; each card names its lead.
    const url = document.getElementById("board").dataset.moveUrl.replace("/0/", `/${leadOf(card)}/`);
    return htmx.ajax("POST", url, {
      source: card,
      swap: "none",
      headers: { "X-CSRFToken": csrfToken() },
      values: {
        to_stage: toStage,
        expected_stage: card.dataset.stage,
        rejection_reason: reason.code,
        reason: reason.note,
        filters: window.location.search,
      },
    });
  }

  // The focus after a move from the menu: the card's menu button (or its name, when no move is
  // left to the user), wherever the card now is.
  function focusCard(leadId) {
    const card = document.getElementById(`card-${leadId}`);
    if (card) (card.querySelector(".sm-move-button") || card.querySelector("a")).focus();
  }

  function enableDragging(root) {
    root.querySelectorAll(".sm-cards").forEach((list) => {
      if (list.dataset.sortable) return;
      list.dataset.sortable = "on";
      window.Sortable.create(list, {
        group: "board",
        animation: 150,
        forceFallback: true, // mouse and touch events: the same behaviour in every browser
        draggable: ".sm-card",
        onEnd(event) {
          if (event.from === event.to) return;
          const card = event.item;
          const origin = { card: card, list: event.from, index: event.oldIndex };
          pending.set(leadOf(card), origin);
          askReason(event.to.dataset.stage).then((reason) => {
            if (reason === null) putBack(leadOf(card));
            else move(card, event.to.dataset.stage, reason);
          });
        },
      });
    });
  }

  // A card moved here stays at the top of its new column; when "Load more" brings the same lead
  // again further down, the second copy is dropped, so the page never shows a card twice.
  function dropRepeatedCards(root) {
    const cards = root.matches && root.matches(".sm-card") ? [root] : root.querySelectorAll(".sm-card");
    cards.forEach((card) => {
      if (card.classList.contains("sm-moved")) return;
      const moved = document.querySelector(`#${card.id}.sm-moved`);
      if (moved && moved !== card) card.remove();
    });
  }

  // The move menu follows the WAI-ARIA menu button pattern. One menu serves every card: it opens
  // under the button of the card it acts on and offers the moves listed in that button's
  // data-targets, the ones the server allows this user. It stays outside the board, so
  // redrawing the board never removes it.
  let openButton = null;

  function menuElement() {
    return document.getElementById("move-menu");
  }

  function visibleItems() {
    return Array.from(menuElement().querySelectorAll("[data-move-to]")).filter((item) => !item.parentElement.hidden);
  }

  function openMenu(button, focusLast) {
    const menu = menuElement();
    const targets = button.dataset.targets.split(" ");
    menu.querySelectorAll("[data-move-to]").forEach((item) => {
      item.parentElement.hidden = !targets.includes(item.dataset.moveTo);
    });
    menu.setAttribute("aria-label", `${button.getAttribute("aria-label")} to`);
    menu.classList.add("show");
    const place = button.getBoundingClientRect();
    const below = place.bottom + 4 + menu.offsetHeight <= window.innerHeight;
    menu.style.top = `${below ? place.bottom + 4 : Math.max(8, place.top - 4 - menu.offsetHeight)}px`;
    menu.style.left = `${Math.max(8, place.right - menu.offsetWidth)}px`;
    button.setAttribute("aria-expanded", "true");
    openButton = button;
    const items = visibleItems();
    items[focusLast ? items.length - 1 : 0].focus({ preventScroll: true });
  }

  function closeMenu(returnFocus) {
    if (!openButton) return;
    const button = openButton;
    openButton = null;
    menuElement().classList.remove("show");
    button.setAttribute("aria-expanded", "false");
    if (returnFocus && button.isConnected) button.focus();
  }

  function choose(item) {
    const button = openButton;
    closeMenu(true);
    const card = button && button.closest(".sm-card");
    if (!card || !card.isConnected) return;
    askReason(item.dataset.moveTo).then((reason) => {
      if (reason === null) {
        button.focus();
        return;
      }
      fromMenu.add(leadOf(card));
      move(card, item.dataset.moveTo, reason);
    });
  }

  document.addEventListener("click", (event) => {
    const item = event.target.closest("#move-menu [data-move-to]");
    if (item) {
      choose(item);
      return;
    }
    if (event.target.closest("#move-menu")) return;
    const button = event.target.closest(".sm-move-button");
    const wasOpen = button && button === openButton;
    closeMenu(false);
    if (button && !wasOpen) openMenu(button, false);
  });

  document.addEventListener("keydown", (event) => {
    const button = event.target.closest && event.target.closest(".sm-move-button");
    if (button && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      event.preventDefault();
      if (openButton !== button) {
        closeMenu(false);
        openMenu(button, event.key === "ArrowUp");
      }
      return;
    }
    if (!openButton || !event.target.closest("#move-menu")) return;
    const items = visibleItems();
    const index = items.indexOf(document.activeElement);
    let next = null;
    if (event.key === "ArrowDown") next = items[(index + 1) % items.length];
    else if (event.key === "ArrowUp") next = items[(index - 1 + items.length) % items.length];
    else if (event.key === "Home") next = items[0];
    else if (event.key === "End") next = items[items.length - 1];
    else if (event.key === "Escape") {
      event.preventDefault();
      closeMenu(true);
      return;
    } else if (event.key === "Tab") {
      // The focus goes back to the card's button, and the browser then moves it on from there.
      closeMenu(true);
      return;
    } else if (event.key.length === 1 && /\S/.test(event.key)) {
      // Typing a letter goes to the next stage whose name starts with it.
      const letter = event.key.toLowerCase();
      const after = items.slice(index + 1).concat(items.slice(0, index + 1));
      next = after.find((item) => item.textContent.trim().toLowerCase().startsWith(letter)) || null;
    }
    if (next) {
      event.preventDefault();
      next.focus();
    }
  });

  window.addEventListener("scroll", (event) => {
    if (openButton && !menuElement().contains(event.target)) {
      closeMenu(menuElement().contains(document.activeElement));
    }
  }, true);

  document.body.addEventListener("moveRefused", (event) => {
    const lead = String(event.detail.lead);
    putBack(lead);
    window.smarketingToast(event.detail.message, "danger");
    if (fromMenu.delete(lead)) focusCard(lead);
  });
  document.body.addEventListener("leadMoved", (event) => {
    const lead = String(event.detail.lead);
    pending.delete(lead);
    window.smarketingToast(event.detail.message, "success");
    if (fromMenu.delete(lead)) focusCard(lead);
  });

  // "Load more" replaces itself with the next cards: the focus it had goes to the first of them
  // (or to the next "Load more"), not back to the top of the page.
  let loadingMore = null;
  document.addEventListener("htmx:beforeRequest", (event) => {
    const button = event.target.closest && event.target.closest(".sm-more");
    if (button && button === document.activeElement) {
      loadingMore = { list: button.parentElement, shown: button.parentElement.querySelectorAll(".sm-card").length };
    }
  });
  document.addEventListener("htmx:afterSettle", () => {
    if (!loadingMore) return;
    const { list, shown } = loadingMore;
    loadingMore = null;
    const next = list.querySelectorAll(".sm-card")[shown];
    const target = next ? next.querySelector("a") : list.querySelector(".sm-more");
    if (target) target.focus();
  });

  // The MQL and SQL definitions beside the counts: a tooltip made on first hover or focus, so
  // columns the board redraws need no set-up (the title attribute serves without scripts).
  for (const kind of ["mouseover", "focusin"]) {
    document.addEventListener(kind, (event) => {
      const holder = event.target.closest && event.target.closest(".sm-definition");
      if (holder && window.bootstrap && !window.bootstrap.Tooltip.getInstance(holder)) {
        window.bootstrap.Tooltip.getOrCreateInstance(holder).show();
      }
    });
  }

  htmx.onLoad((root) => {
    enableDragging(root);
    dropRepeatedCards(root);
  });
})();
