// The keyboard reaches every chart element: a chart canvas takes focus, the arrow keys (and Home,
// End) step through its labels showing the tooltip and announcing the values, and Enter or Space
// clicks the element, so the chart's click menu (charts.js) opens as it does for a mouse. In that
// menu the arrow keys move between the items, and Escape returns to the chart.
(function () {
  if (typeof Chart === "undefined") return;
  let lastCanvas = null;

  function note() {
    let live = document.getElementById("chart-focus-note");
    if (!live) {
      live = document.createElement("p");
      live.id = "chart-focus-note";
      live.className = "visually-hidden";
      live.setAttribute("aria-live", "polite");
      document.body.appendChild(live);
    }
    return live;
  }

  function visible(chart) {
    return chart.data.datasets.map((_, i) => i).filter((i) => chart.isDatasetVisible(i));
  }

  function show(chart, index) {
    const sets = visible(chart);
    const active = sets.map((datasetIndex) => ({ datasetIndex, index }));
    const element = chart.getDatasetMeta(sets[0]).data[index];
    chart.setActiveElements(active);
    chart.tooltip.setActiveElements(active, element ? element.getCenterPoint() : { x: 0, y: 0 });
    chart.update("none");
    const values = sets.map((i) => `${chart.data.datasets[i].label} ${Number(chart.data.datasets[i].data[index]).toLocaleString()}`);
    note().textContent = `${chart.data.labels[index]}: ${values.join(", ")} (${index + 1} of ${chart.data.labels.length})`;
  }

  function clear(chart) {
    chart.setActiveElements([]);
    chart.tooltip.setActiveElements([], { x: 0, y: 0 });
    chart.update("none");
  }

  function click(chart, index) {
    const element = chart.getDatasetMeta(visible(chart)[0]).data[index];
    if (!element) return;
    const point = element.getCenterPoint();
    const box = chart.canvas.getBoundingClientRect();
    const scale = box.width / chart.width; // CSS px per chart px (1 unless the page is zoomed or printed)
    const x = box.left + point.x * scale;
    const y = box.top + point.y * scale;
    const page = { x: window.scrollX + x, y: window.scrollY + y }; // before the menu's focus scrolls
    // Chart.js handles the click in the next animation frame; a constructed event has no page
    // coordinates of its own, so once the menu appears it is moved to the element, inside the screen.
    const observer = new MutationObserver(() => {
      const menu = document.querySelector(".chart-menu");
      if (!menu) return;
      observer.disconnect();
      const width = document.documentElement.clientWidth;
      menu.style.left = `${Math.max(8, Math.min(page.x, window.scrollX + width - menu.offsetWidth - 8))}px`;
      menu.style.top = `${page.y}px`;
      const first = menu.querySelector("[role=menuitem]");
      if (first) first.focus();
    });
    observer.observe(document.body, { childList: true });
    setTimeout(() => observer.disconnect(), 2000);
    chart.canvas.dispatchEvent(new MouseEvent("click", { bubbles: true, clientX: x, clientY: y }));
  }

  const steps = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };

  function enable(canvas) {
    if (canvas.dataset.keys) return;
    canvas.dataset.keys = "1";
    canvas.tabIndex = 0;
    let index = -1;
    canvas.addEventListener("keydown", (event) => {
      const chart = Chart.getChart(canvas);
      const count = chart ? chart.data.labels.length : 0;
      if (!count || !visible(chart).length) return;
      if (event.key in steps || event.key === "Home" || event.key === "End") {
        event.preventDefault();
        if (event.key === "Home") index = 0;
        else if (event.key === "End") index = count - 1;
        else index = index < 0 ? (steps[event.key] > 0 ? 0 : count - 1) : (index + steps[event.key] + count) % count;
        show(chart, index);
      } else if ((event.key === "Enter" || event.key === " ") && index >= 0) {
        event.preventDefault();
        lastCanvas = canvas;
        click(chart, index);
      }
    });
    canvas.addEventListener("blur", () => {
      const chart = Chart.getChart(canvas);
      if (chart) clear(chart);
    });
  }

  // Arrow keys inside the click menu; Escape (charts.js closes the menu) goes back to the chart.
  document.addEventListener("keydown", (event) => {
    const menu = event.target.closest && event.target.closest(".chart-menu");
    if (menu && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      event.preventDefault();
      const items = [...menu.querySelectorAll("[role=menuitem]")];
      const at = items.indexOf(event.target);
      items[(at + (event.key === "ArrowDown" ? 1 : -1) + items.length) % items.length].focus();
    } else if (menu && event.key === "Escape" && lastCanvas) {
      const canvas = lastCanvas;
      setTimeout(() => canvas.focus());
    }
  });

  function enableAll() { document.querySelectorAll("canvas[data-chart]").forEach(enable); }
  document.addEventListener("DOMContentLoaded", enableAll);
  document.addEventListener("htmx:afterSettle", enableAll);
  document.addEventListener("dashboard:cards-replaced", enableAll);
})();
