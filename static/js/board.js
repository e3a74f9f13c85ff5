// The pipeline board: drag a card (or use its menu) to move a lead. The server decides; a
// refused move shows its reason and the card goes back where it was.
(function () {
  "use strict";

  const SIDE_EXITS = { recycled: "Why recycle this lead?", disqualified: "Why disqualify this lead?" };
  const pending = new Map(); // lead id -> where a dragged card came from

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
    const url = document.getElementById("board").dataset.moveUrl.replace("/0/", `/${card.dataset.lead}/`);
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
          pending.set(card.dataset.lead, origin);
          const reason = askReason(event.to.dataset.stage);
          if (reason === null) {
            putBack(card.dataset.lead);
            return;
          }
          move(card, event.to.dataset.stage, reason);
        },
      });
    });
  }

  // The one move menu, opened inside the card whose button was clicked.
  function closeMenu(menu) {
    menu.classList.remove("show");
    const opener = menu.parentElement && menu.parentElement.querySelector(".sm-move-button");
    if (opener) opener.setAttribute("aria-expanded", "false");
  }

  document.addEventListener("click", (event) => {
    const menu = document.getElementById("move-menu");
    if (!menu) return;
    const opener = event.target.closest(".sm-move-button");
    if (opener) {
      const card = opener.closest(".sm-card");
      const open = menu.classList.contains("show") && menu.parentElement === card;
      closeMenu(menu);
      if (open) return;
      card.appendChild(menu);
      menu.querySelectorAll("[data-move-to]").forEach((item) => {
        item.parentElement.hidden = item.dataset.moveTo === card.dataset.stage;
      });
      menu.classList.add("show");
      opener.setAttribute("aria-expanded", "true");
      return;
    }
    const item = event.target.closest("[data-move-to]");
    closeMenu(menu);
    if (!item) return;
    const card = item.closest(".sm-card");
    document.getElementById("board").after(menu);
    const reason = askReason(item.dataset.moveTo);
    if (reason === null) return;
    move(card, item.dataset.moveTo, reason);
  });

  document.body.addEventListener("moveRefused", (event) => {
    putBack(String(event.detail.lead));
    window.smarketingToast(event.detail.message, "danger");
  });
  document.body.addEventListener("leadMoved", (event) => pending.delete(String(event.detail.lead)));

  htmx.onLoad(enableDragging);
})();
