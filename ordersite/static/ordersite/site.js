// Every page: marks that scripts run (the stylesheet folds the navigation only then), opens and
// closes the folded navigation, and lets a keyboard reach a table that scrolls sideways.
// Loaded without defer in <head>, so the "js" class is set before the first paint.
(function () {
  document.documentElement.classList.add("js");

  function navMenu() {
    const toggle = document.querySelector(".nav-toggle");
    const panel = toggle && document.getElementById(toggle.getAttribute("aria-controls"));
    if (!panel) return;
    function set(open) {
      toggle.setAttribute("aria-expanded", String(open));
      panel.classList.toggle("open", open);
    }
    toggle.addEventListener("click", () => set(toggle.getAttribute("aria-expanded") !== "true"));
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && toggle.getAttribute("aria-expanded") === "true") {
        set(false);
        toggle.focus();
      }
    });
  }

  function headingText(box) {
    const heading = box.closest("section, details, main")?.querySelector("h1, h2, summary");
    if (!heading) return "Table";
    const copy = heading.cloneNode(true);
    copy.querySelectorAll(".export, .status, button").forEach((node) => node.remove());
    return copy.textContent.replace(/\s+/g, " ").trim() || "Table";
  }

  // A table box that scrolls sideways gets a tab stop and a name, so a keyboard can scroll it
  // (WCAG 2.1.1); one that fits gets neither, so it adds no empty tab stop.
  function scrollers() {
    document.querySelectorAll(".table-scroll").forEach((box) => {
      const scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", `${box.dataset.label || headingText(box)} (scrolls sideways)`);
      } else if (!scrolls && box.getAttribute("tabindex") === "0") {
        ["tabindex", "role", "aria-label"].forEach((name) => box.removeAttribute(name));
      }
    });
  }

  let pending = null;
  function later() {
    if (pending) return;
    pending = requestAnimationFrame(() => { pending = null; scrollers(); });
  }

  document.addEventListener("DOMContentLoaded", () => {
    navMenu();
    scrollers();
    window.addEventListener("resize", later);
    document.addEventListener("toggle", later, true); // a <details> table opened
    document.addEventListener("htmx:afterSettle", later);
    document.addEventListener("dashboard:cards-replaced", later);
  });
})();
