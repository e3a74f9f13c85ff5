// Shared page behaviour: errors from HTMX requests are shown, never swallowed; other pages'
// scripts announce news the same way (window.smarketingToast(message, "success")).
(function () {
  "use strict";

  function toast(message, kind) {
    const holder = document.getElementById("toasts");
    if (!holder) return;
    const element = document.createElement("div");
    kind = kind || "danger";
    element.className = `toast align-items-center text-bg-${kind} border-0`;
    // Errors interrupt a screen reader's reading; other news waits for a pause.
    element.setAttribute("role", kind === "danger" ? "alert" : "status");
    element.innerHTML = '<div class="d-flex"><div class="toast-body"></div>' +
      '<button type="button" class="btn-close btn-close-white me-2 m-auto" data-bs-dismiss="toast" aria-label="Close"></button></div>';
    element.querySelector(".toast-body").textContent = message;
    holder.appendChild(element);
    window.bootstrap.Toast.getOrCreateInstance(element).show();
    element.addEventListener("hidden.bs.toast", () => element.remove());
  }
  window.smarketingToast = toast;

  document.addEventListener("htmx:responseError", (event) => {
    const xhr = event.detail.xhr;
    // A refusal carries its reason as plain text (smarketing/errors.py).
    const reason = (xhr.getResponseHeader("Content-Type") || "").startsWith("text/plain") ? xhr.responseText : "";
    toast(reason || (xhr.status === 403 ? "Your role does not allow this." : `The server answered ${xhr.status}. Please try again.`));
  });
  // What the server says of an HTMX action (HX-Trigger: {"showMessage": {"message", "kind"}}).
  document.addEventListener("showMessage", (event) => toast(event.detail.message, event.detail.kind));
  document.addEventListener("htmx:sendError", () => toast("The portal cannot be reached. Check your connection."));

  // Progress bars carry their width as data-progress (the Content-Security-Policy refuses
  // style attributes); set it on the page and on every bar a poll redraws.
  htmx.onLoad((root) => {
    for (const bar of root.querySelectorAll(".progress-bar[data-progress]")) {
      bar.style.width = `${bar.dataset.progress}%`;
    }
  });

  // The lead filters apply as soon as a choice changes. The search box has its own trigger
  // (a pause in typing), so leaving it does not send the same search again.
  document.addEventListener("change", (event) => {
    const form = event.target.form;
    if (form && form.matches(".sm-filters") && event.target.name !== "q") htmx.trigger(form, "filter-change");
  });
})();
