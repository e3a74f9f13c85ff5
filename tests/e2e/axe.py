"""axe-core in the browser tests: the page's WCAG 2.1 A and AA violations, in words.

axe-core is vendored with the static files (``scripts/vendor_static.py``) and injected from
the portal's static URL, so the checks need no network and the pages' policy allows it. Beside the WCAG rules, axe's rule for table headers
with no text is run (axe counts it a best practice), and two faults that axe only marks for
review are checked here: an id used twice, and an attribute naming an element that does not
exist (``aria-describedby``, ``aria-labelledby``, ``aria-controls``, a label's ``for``); and a
page wider than the window, which would scroll sideways.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.templatetags.static import static

AXE = next((Path(settings.BASE_DIR) / "static" / "vendor").glob("axe-core-*/axe.min.js"))
AXE_URL = static(AXE.relative_to(Path(settings.BASE_DIR) / "static").as_posix())
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
ALSO_CHECKED = ["empty-table-header"]

# Runs axe once HTMX has been quiet for a moment (content loaded on "load" or "revealed" is
# part of the page a person sees).
AXE_RUN = """async ({tags, rules, context}) => {
  await new Promise((resolve) => {
    let quiet;
    const wait = () => {
      clearTimeout(quiet);
      quiet = setTimeout(() => document.querySelector(".htmx-request") ? wait() : resolve(), 150);
    };
    document.body.addEventListener("htmx:afterSettle", wait);
    wait();
  });
  const result = await axe.run(context ? document.querySelector(context) : document, {
    runOnly: {type: "tag", values: tags},
    rules: Object.fromEntries(rules.map((rule) => [rule, {enabled: true}])),
    resultTypes: ["violations"],
  });
  const found = result.violations.map((rule) => ({
    id: rule.id, impact: rule.impact, help: rule.help,
    targets: rule.nodes.map((node) => node.target.join(" ")),
  }));
  const ids = Array.from(document.querySelectorAll("[id]"), (element) => element.id);
  const twice = [...new Set(ids.filter((id, index) => ids.indexOf(id) !== index))];
  if (twice.length) {
    found.push({id: "duplicate-id", impact: "serious", help: "Ids must be unique",
                targets: twice.map((id) => `#${id}`)});
  }
  const missing = [];
  for (const name of ["aria-describedby", "aria-labelledby", "aria-controls", "for"]) {
    for (const element of document.querySelectorAll(`[${name}]`)) {
      if (element.getAttribute(name).split(/\\s+/).some((id) => id && !document.getElementById(id))) {
        missing.push(`${element.tagName.toLowerCase()}[${name}="${element.getAttribute(name)}"]`);
      }
    }
  }
  // A page wider than the window scrolls both ways (WCAG 1.4.10, reflow): a wide table
  // scrolls in its own box instead.
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth > width + 1) {
    const beyond = Array.from(document.querySelectorAll("body *"))
      // The outermost elements that reach past the window: their parent stays within it.
      .filter((element) => element.getBoundingClientRect().right > width + 1
        && element.parentElement.getBoundingClientRect().right <= width + 1)
      .map((element) => element.tagName.toLowerCase() + (element.className ? "." + String(element.className).trim().split(/\\s+/).join(".") : ""));
    found.push({id: "page-wider-than-window", impact: "serious",
                help: "The page must not scroll sideways", targets: beyond});
  }
  if (missing.length) {
    found.push({id: "missing-reference", impact: "serious",
                help: "Attributes must name elements that exist", targets: missing});
  }
  return found;
}"""


def axe_violations(page, *, context: str | None = None) -> list[str]:
    """One line per violation on the page (or within the ``context`` selector): the rule, its
    impact, what it asks and the first elements that break it."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # From the portal's own static files: the Content-Security-Policy refuses inline code.
        page.add_script_tag(url=AXE_URL)
    violations = page.evaluate(
        AXE_RUN, {"tags": WCAG_21_AA, "rules": ALSO_CHECKED, "context": context}
    )
    lines = []
    for violation in violations:
        targets = violation["targets"]
        more = f" and {len(targets) - 5} more" if len(targets) > 5 else ""
        lines.append(
            f"{violation['id']} ({violation['impact']}): {violation['help']} — "
            f"{', '.join(targets[:5])}{more}"
        )
    return lines
