// The engagement chart: one line per metric type, its overall value (the row without dimensions)
// by day, drawn with uPlot (the global `uPlot`, this server's copy of its browser build).

const PALETTE = ['#4f46e5', '#0891b2', '#db2777', '#ea580c', '#16a34a', '#9333ea', '#ca8a04', '#475569'];
const HEIGHT = 340;
const number = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

/** Seconds since the epoch of a UTC day (YYYY-MM-DD), uPlot's time unit. */
const dayToSeconds = (day) => Date.parse(`${day}T00:00:00Z`) / 1000;

export const colorOf = (index) => PALETTE[index % PALETTE.length];
export const formatNumber = (value) => (value == null ? '–' : number.format(value));

export class MetricChart {
  constructor(container) {
    this.container = container;
    this.plot = null;
    this.types = [];
    this.days = [];
    /** Called with the day under the cursor, or null when the cursor leaves the chart. */
    this.onHover = () => undefined;
    new ResizeObserver(() => {
      if (this.plot) this.plot.setSize({ width: this.width(), height: HEIGHT });
    }).observe(container);
  }

  width() {
    return Math.max(320, this.container.clientWidth);
  }

  /**
   * Draws `series`: metric type -> Map(day -> value). A new set of types builds a new plot;
   * otherwise only the data changes.
   */
  draw(series) {
    const types = [...series.keys()].sort();
    const days = [...new Set(types.flatMap((type) => [...series.get(type).keys()]))].sort();
    const data = [
      days.map(dayToSeconds),
      ...types.map((type) => days.map((day) => (series.get(type).has(day) ? series.get(type).get(day) : null))),
    ];
    this.days = days;
    if (this.plot && types.join() === this.types.join()) {
      this.plot.setData(data);
      return;
    }
    if (this.plot) this.plot.destroy();
    this.types = types;
    this.plot = new uPlot(this.options(types), data, this.container);
  }

  options(types) {
    const axis = { stroke: '#64748b', grid: { stroke: '#e2e8f0', width: 1 }, ticks: { stroke: '#e2e8f0', width: 1 } };
    return {
      width: this.width(),
      height: HEIGHT,
      // The days are UTC days: label them as such, whatever the browser's time zone.
      tzDate: (seconds) => uPlot.tzDate(new Date(seconds * 1000), 'Etc/UTC'),
      scales: { x: { time: true } },
      cursor: { drag: { x: false, y: false } },
      // The page lists the series itself (with the value under the cursor): no second legend.
      legend: { show: false },
      hooks: { setCursor: [(u) => this.onHover(u.cursor.idx == null ? null : this.days[u.cursor.idx])] },
      axes: [axis, { ...axis, size: 56, values: (_u, ticks) => ticks.map(formatNumber) }],
      series: [
        { label: 'day' },
        ...types.map((type, index) => ({
          label: type,
          stroke: colorOf(index),
          width: 2,
          spanGaps: true,
          points: { show: false },
        })),
      ],
    };
  }
}
