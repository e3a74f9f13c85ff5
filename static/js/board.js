// The pipeline board: drag a card (or use its menu) to move a lead. The server decides; a
// refused move shows its reason and the card goes back where it was.
(function () {
  "use strict";

  const SIDE_EXITS = { recycled: "Why recycle this lead?", disqualified: "Why disqualify this lead?" };
  const pending = new Map(); // lead id -> where a dragged card came from

  function leadOf(card) {
    return card.id.replace("card-", "");
  }

  function csrfToken() {
    return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
  }

  function askReason(stage) {
    if (!(stage in SIDE_EXITS)) return "";
    const reason = window.prompt(SIDE_EXITS[stage]);
    return reason && reason.trim() ? reason.trim() : null;
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
      values: { to_stage: toStage, expected_stage: card.dataset.stage, reason: reason, filters: window.location.search },
    });
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
          const reason = askReason(event.to.dataset.stage);
          if (reason === null) {
            putBack(leadOf(card));
            return;
          }
          move(card, event.to.dataset.stage, reason);
        },
      });
    });
  }

  // The one move menu, shown under the button of the card it acts on. It stays outside the
  // board, so refreshing the board never removes it.
  let menuCard = null;

  function closeMenu(menu) {
    menu.classList.remove("show");
    if (menuCard) menuCard.querySelector(".sm-move-button").setAttribute("aria-expanded", "false");
    menuCard = null;
  }

  function openMenu(menu, opener) {
    menuCard = opener.closest(".sm-card");
    menu.querySelectorAll("[data-move-to]").forEach((item) => {
      item.parentElement.hidden = item.dataset.moveTo === menuCard.dataset.stage;
    });
    menu.classList.add("show");
    const place = opener.getBoundingClientRect();
    menu.style.top = `${place.bottom + 4}px`;
    menu.style.left = `${Math.max(8, place.right - menu.offsetWidth)}px`;
    opener.setAttribute("aria-expanded", "true");
    menu.querySelector("[data-move-to]:not([hidden])")?.focus();
  }

  document.addEventListener("click", (event) => {
    const menu = document.getElementById("move-menu");
    if (!menu) return;
    const opener = event.target.closest(".sm-move-button");
    const item = event.target.closest("#move-menu [data-move-to]");
    const card = menuCard;
    const wasOpenOnThisCard = opener && card === opener.closest(".sm-card");
    closeMenu(menu);
    if (opener && !wasOpenOnThisCard) openMenu(menu, opener);
    if (!item || !card || !card.isConnected) return;
    const reason = askReason(item.dataset.moveTo);
    if (reason === null) return;
    move(card, item.dataset.moveTo, reason);
  });
  document.addEventListener("keydown", (event) => {
    const menu = document.getElementById("move-menu");
    if (event.key === "Escape" && menu) closeMenu(menu);
  });
  window.addEventListener("scroll", () => {
    const menu = document.getElementById("move-menu");
    if (menu) closeMenu(menu);
  }, true);

  document.body.addEventListener("moveRefused", (event) => {
    putBack(String(event.detail.lead));
    window.smarketingToast(event.detail.message, "danger");
  });
  document.body.addEventListener("leadMoved", (event) => pending.delete(String(event.detail.lead)));

  htmx.onLoad(enableDragging);
})();
