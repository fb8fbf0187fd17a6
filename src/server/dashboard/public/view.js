// What the dashboard shows: today's tiles, the metrics (history merged with live updates) as a
// chart and a list of series, and the latest updates. Text only through textContent.
import { colorOf, formatNumber, MetricChart } from './chart.js';

const TILES = [
  'activeUsers',
  'newUsers',
  'messages',
  'enrollmentsCompleted',
  'badgesAwarded',
  'conversationsEscalated',
];
const MAX_UPDATES = 12;
const time = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });

/** Restarts a one-shot CSS animation on `element` (the "changed" flash). */
function flash(element) {
  element.classList.remove('flash');
  void element.offsetWidth; // a reflow, so that the animation starts again
  element.classList.add('flash');
}

const isOverall = (metric) => !metric.dimensions || Object.keys(metric.dimensions).length === 0;
const dimensionsText = (dimensions) =>
  Object.entries(dimensions || {})
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(', ');

function element(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

export class DashboardView {
  constructor() {
    this.chart = new MetricChart(document.getElementById('chart'));
    this.chart.onHover = (day) => this.showDay(day);
    this.series = new Map();
    this.seriesList = document.getElementById('series');
    this.updates = document.getElementById('updates');
    this.updatesEmpty = document.getElementById('updates-empty');
    this.historyState = document.getElementById('history-state');
    this.reset();
  }

  /** Forgets everything shown (sign-out). */
  reset() {
    this.metrics = new Map(); // id -> metric
    this.from = null; // the chart's first day
    this.pending = false;
    for (const key of TILES) {
      const tile = document.getElementById(`tile-${key}`);
      delete tile.dataset.value;
      tile.querySelector('.value').textContent = '–';
    }
    document.getElementById('summary-date').textContent = '';
    this.updates.replaceChildren();
    this.updatesEmpty.hidden = false;
    this.setHistoryState('loading', 'loading history…');
    this.render();
  }

  showSummary(summary) {
    document.getElementById('summary-date').textContent = summary.date;
    for (const key of TILES) {
      const tile = document.getElementById(`tile-${key}`);
      const value = String(summary[key]);
      if (tile.dataset.value === value) continue;
      const changed = tile.dataset.value !== undefined;
      tile.dataset.value = value;
      tile.querySelector('.value').textContent = formatNumber(summary[key]);
      if (changed) flash(tile);
    }
  }

  setHistoryState(state, text) {
    this.historyState.dataset.state = state;
    this.historyState.textContent = text;
  }

  /** History from day `from` on: rows kept unless a newer version of the same row is already here. */
  addHistory(rows, from) {
    this.from = from;
    for (const row of rows) this.merge(row);
    this.scheduleRender();
  }

  /** A pushed update: merged, listed, drawn. */
  addLive(metric) {
    if (!this.merge(metric)) return;
    this.listUpdate(metric);
    this.scheduleRender();
  }

  merge(metric) {
    const known = this.metrics.get(metric.id);
    if (known) {
      const [was, now] = [Date.parse(known.updatedAt), Date.parse(metric.updatedAt)];
      // An older version (history read after a push), or the same one twice (two sockets overlapping).
      if (was > now || (was === now && known.metricValue === metric.metricValue)) return false;
    }
    this.metrics.set(metric.id, metric);
    return true;
  }

  listUpdate(metric) {
    const item = element('li', 'update');
    item.dataset.metricType = metric.metricType;
    item.dataset.value = String(metric.metricValue);
    item.dataset.date = metric.date;
    item.append(element('time', 'at', time.format(new Date(metric.updatedAt))));
    const what = element('span', 'what', metric.metricType);
    if (!isOverall(metric)) what.append(element('span', 'dims', ` ${dimensionsText(metric.dimensions)}`));
    item.append(
      what,
      element('span', 'day', metric.date),
      element('strong', 'amount', formatNumber(metric.metricValue)),
    );
    this.updates.prepend(item);
    while (this.updates.children.length > MAX_UPDATES) this.updates.lastElementChild.remove();
    this.updatesEmpty.hidden = true;
    flash(item);
  }

  /** One redraw per frame, however many updates arrive in it (the rollup writes in bursts). */
  scheduleRender() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.render();
    });
  }

  render() {
    const series = new Map();
    for (const metric of this.metrics.values()) {
      // The chart shows the overall values of its window (an update to an older day is listed only).
      if (!isOverall(metric) || (this.from && metric.date < this.from)) continue;
      if (!series.has(metric.metricType)) series.set(metric.metricType, new Map());
      series.get(metric.metricType).set(metric.date, metric.metricValue);
    }
    this.series = series;
    this.chart.draw(series);
    this.renderSeriesList(series);
  }

  /** The series list shows the values of the day under the cursor, or each one's latest. */
  showDay(day) {
    for (const item of this.seriesList.children) {
      const values = this.series.get(item.dataset.type);
      if (!values) continue;
      const shown = day ?? item.dataset.latestDate;
      item.querySelector('.latest').textContent =
        `${formatNumber(values.has(shown) ? values.get(shown) : null)} on ${shown}`;
    }
  }

  renderSeriesList(series) {
    const items = [...series.keys()].sort().map((type, index) => {
      const days = [...series.get(type).keys()].sort();
      const lastDay = days[days.length - 1];
      const latest = series.get(type).get(lastDay);
      const item = element('li', 'series-item');
      item.dataset.testid = `series-${type}`;
      item.dataset.type = type;
      item.dataset.latest = String(latest);
      item.dataset.latestDate = lastDay;
      item.dataset.points = String(days.length);
      const swatch = element('span', 'swatch');
      swatch.style.backgroundColor = colorOf(index); // CSSOM, which the CSP allows (a style attribute it would not)
      item.append(
        swatch,
        element('span', 'name', type),
        element('span', 'latest', `${formatNumber(latest)} on ${lastDay}`),
      );
      const previous = this.seriesList.querySelector(`[data-testid="series-${type}"]`);
      if (previous && (previous.dataset.latest !== item.dataset.latest || previous.dataset.latestDate !== lastDay))
        flash(item);
      return item;
    });
    this.seriesList.replaceChildren(...items);
  }
}
