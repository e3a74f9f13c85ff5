// The glossary page: the search box narrows the terms as one types (the form still searches on
// the server without JavaScript), and the print button prints the page.
(function () {
  "use strict";

  const search = document.querySelector("[data-glossary-search]");
  const none = document.querySelector("[data-glossary-none]");
  if (search) {
    search.addEventListener("input", () => {
      const words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
      let shown = 0;
      for (const section of document.querySelectorAll("[data-glossary-letter]")) {
        let inSection = 0;
        for (const entry of section.querySelectorAll("[data-glossary-entry]")) {
          const text = entry.textContent.toLowerCase();
          const match = words.every((word) => text.includes(word));
          entry.classList.toggle("d-none", !match);
          if (match) inSection += 1;
        }
        section.classList.toggle("d-none", inSection === 0);
        shown += inSection;
      }
      if (none) none.classList.toggle("d-none", shown > 0);
      const count = document.querySelector("[data-glossary-count]");
      if (count && words.length) {
        count.textContent = `${shown} of ${count.dataset.total} terms shown.`;
      }
    });
  }
  for (const button of document.querySelectorAll("[data-print]")) {
    button.addEventListener("click", () => window.print());
  }
})();
