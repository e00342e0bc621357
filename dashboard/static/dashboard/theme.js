// Chart colours come from the site's CSS custom properties (ordersite/site.css), so charts follow
// the light or dark scheme and print in the light one. Load after Chart.js and before the charts
// draw (a deferred script before charts.js): it sets Chart.defaults, fills each chart's background
// with the card colour (an exported PNG is legible on its own) and redraws on a scheme change.
(function () {
  if (typeof Chart === "undefined") return;
  const root = document.documentElement;
  let theme = null;

  // The current colours: {ink, muted, line, surface, palette: [8 series colours]}. charts.js may
  // call window.ordersiteChartTheme().palette for its series colours.
  function read() {
    const style = getComputedStyle(root);
    const value = (name) => style.getPropertyValue(name).trim();
    return {
      ink: value("--ink"),
      muted: value("--muted"),
      line: value("--line"),
      surface: value("--surface"),
      palette: [1, 2, 3, 4, 5, 6, 7, 8].map((n) => value(`--chart-${n}`)),
    };
  }

  // Series colours drawn from the previous palette take the same place in the new one.
  function recolour(chart, from, to) {
    const swap = (colour) => (from.indexOf(colour) >= 0 ? to[from.indexOf(colour)] : colour);
    chart.data.datasets.forEach((set) => {
      ["backgroundColor", "borderColor"].forEach((key) => {
        if (Array.isArray(set[key])) set[key] = set[key].map(swap);
        else if (typeof set[key] === "string") set[key] = swap(set[key]);
      });
    });
  }

  function apply() {
    const previous = theme;
    theme = read();
    if (previous) Object.values(Chart.instances).forEach((chart) => recolour(chart, previous.palette, theme.palette));
    Chart.defaults.color = theme.muted; // ticks, legend and title text
    Chart.defaults.borderColor = theme.line; // grid lines and axis borders
    Chart.defaults.scale.grid.color = theme.line;
    Chart.defaults.elements.arc.borderColor = theme.surface; // the gaps between doughnut slices
    Object.values(Chart.instances).forEach((chart) => chart.update("none"));
  }

  Chart.register({
    id: "ordersiteSurface",
    beforeDraw(chart) {
      const { ctx, width, height } = chart;
      ctx.save();
      ctx.globalCompositeOperation = "destination-over";
      ctx.fillStyle = (theme || read()).surface;
      ctx.fillRect(0, 0, width, height);
      ctx.restore();
    },
  });

  window.ordersiteChartTheme = () => theme || read();
  apply();
  window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", apply);

  // Paper gets the light colours (site.css: html.printing). During beforeprint the layout is still
  // the screen's, so each chart is redrawn at most as wide as a portrait page's text (680 CSS px)
  // and the stylesheet scales the canvas like an image from there; afterprint restores it.
  const PAPER_WIDTH = 680;
  function printing(on) {
    root.classList.toggle("printing", on);
    apply();
    Object.values(Chart.instances).forEach((chart) => {
      if (on) chart.resize(Math.min(chart.canvas.parentNode.clientWidth, PAPER_WIDTH), chart.canvas.parentNode.clientHeight);
      else chart.resize();
    });
  }
  window.addEventListener("beforeprint", () => printing(true));
  window.addEventListener("afterprint", () => printing(false));
})();
