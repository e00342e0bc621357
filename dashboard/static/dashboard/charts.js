// Draws each card's chart from the JSON that the template embedded with json_script.
(function () {
  const palette = ["#2563eb", "#16a34a", "#f59e0b", "#dc2626", "#7c3aed", "#0891b2", "#db2777", "#65a30d"];

  function draw(canvas) {
    if (canvas.dataset.drawn || typeof Chart === "undefined") return;
    const source = document.getElementById(canvas.dataset.source.replace(/^data-/, ""));
    if (!source) return;
    const data = JSON.parse(source.textContent);
    const labels = data.rows.map((r) => r[0]);
    const numeric = data.columns.map((c, i) => i).filter((i) => i > 0 && data.rows.every((r) => r[i] !== null && !isNaN(parseFloat(r[i]))));
    const kind = canvas.dataset.chart;
    const datasets = numeric.map((i, n) => ({
      label: data.columns[i].replace(/_/g, " "),
      data: data.rows.map((r) => parseFloat(r[i])),
      backgroundColor: kind === "donut" ? palette : palette[n % palette.length],
      borderColor: palette[n % palette.length],
      yAxisID: kind === "donut" ? undefined : (n === 0 ? "y" : "y1"),
      hidden: kind === "donut" && n > 0,
    }));
    const type = { line: "line", bar: "bar", donut: "doughnut" }[kind] || "bar";
    const scales = type === "doughnut" ? {} : { y: { beginAtZero: true }, y1: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false }, display: numeric.length > 1 } };
    new Chart(canvas, { type, data: { labels, datasets: type === "doughnut" ? datasets.slice(0, 1) : datasets }, options: { responsive: true, maintainAspectRatio: false, animation: false, scales } });
    canvas.dataset.drawn = "1";
  }

  function drawAll() { document.querySelectorAll("canvas[data-chart]").forEach(draw); }
  document.addEventListener("DOMContentLoaded", drawAll);
  document.addEventListener("htmx:afterSettle", drawAll);
  document.addEventListener("dashboard:cards-replaced", drawAll);
})();
