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
    return htmx.ajax("POST", card.dataset.moveUrl, {
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

  document.addEventListener("click", (event) => {
    const item = event.target.closest("[data-move-to]");
    if (!item) return;
    const card = item.closest(".sm-card");
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
