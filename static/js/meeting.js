// The meeting screen: one section a screen, moved between by keyboard — ← → (or Page Up /
// Page Down) for the previous and next section, 1–4 to jump, Home and End — never while
// typing in the record. The section shown is kept in the address, so a reload stays there.
(() => {
  "use strict";
  const sections = () => Array.from(document.querySelectorAll(".sm-slide"));
  const links = () => Array.from(document.querySelectorAll(".sm-meeting-sections a"));

  // The section moved to last, while the page still scrolls there (Bootstrap scrolls
  // smoothly); else the one at the top third of the window.
  function current() {
    const all = sections();
    const focused = all.indexOf(document.activeElement?.closest(".sm-slide"));
    if (focused >= 0) return focused;
    const middle = window.innerHeight / 3;
    let shown = all[0];
    for (const section of all) {
      if (section.getBoundingClientRect().top <= middle) shown = section;
    }
    return all.indexOf(shown);
  }

  function mark(index) {
    const id = sections()[index]?.id;
    for (const link of links()) {
      if (link.getAttribute("href") === `#${id}`) link.setAttribute("aria-current", "step");
      else link.removeAttribute("aria-current");
    }
  }

  function show(index) {
    const all = sections();
    const target = all[Math.max(0, Math.min(all.length - 1, index))];
    if (!target) return;
    target.scrollIntoView({ block: "start" });
    target.focus({ preventScroll: true });
    history.replaceState(null, "", `#${target.id}`);
    mark(all.indexOf(target));
  }

  function typing(element) {
    return element && (element.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(element.tagName));
  }

  document.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) return;
    const moves = { ArrowRight: 1, PageDown: 1, ArrowLeft: -1, PageUp: -1 };
    if (event.key in moves) {
      event.preventDefault();
      show(current() + moves[event.key]);
    } else if (event.key === "Home" || event.key === "End") {
      event.preventDefault();
      show(event.key === "Home" ? 0 : sections().length - 1);
    } else if (/^[1-9]$/.test(event.key) && Number(event.key) <= sections().length) {
      event.preventDefault();
      show(Number(event.key) - 1);
    }
  });

  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-print]")) window.print();
  });
  document.addEventListener("scroll", () => mark(current()), { passive: true });
  document.addEventListener("DOMContentLoaded", () => mark(current()));
})();
