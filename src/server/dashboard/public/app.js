// The dashboard page: sign in, then stream. Settings come from the page's JSON data block (the
// CSP allows no inline script).
import { describeFailure, metricHistory, setEndpoint } from './api.js';
import { Live } from './live.js';
import { Session, SignInError } from './session.js';
import { DashboardView } from './view.js';

/** How far back the chart starts. */
const HISTORY_DAYS = 30;
const STATE_TEXT = {
  'signed-out': 'Signed out',
  'signing-in': 'Signing in…',
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
};

const config = JSON.parse(document.getElementById('dashboard-config').textContent);
setEndpoint(config.graphqlPath);
const $ = (id) => document.getElementById(id);

const view = new DashboardView();
const live = new Live({
  onSummary: (summary) => view.showSummary(summary),
  onMetric: (metric) => view.addLive(metric),
  onState: (state) => setState(state),
  onTokenRefused: () => void session.refresh(),
  onProblem: (message) => showProblem(message),
  onResync: () => void loadHistory(),
});
const session = new Session({
  onToken: (token) => {
    document.body.dataset.sessionRefreshes = String(session.refreshes);
    live.start(token);
  },
  onEnded: (reason) => signedOut(reason),
});

function setState(state) {
  const el = $('connection');
  el.dataset.state = state;
  el.textContent = STATE_TEXT[state] || state;
}

function showProblem(message) {
  $('problem').hidden = !message;
  $('problem').textContent = message || '';
}

function showSignInError(message, code) {
  const el = $('sign-in-error');
  el.hidden = !message;
  el.textContent = message || '';
  if (code) el.dataset.code = code;
  else delete el.dataset.code;
}

/** The chart's history: every metric of the last HISTORY_DAYS days. */
async function loadHistory() {
  const [token, creator] = [session.accessToken, session.creator];
  if (!token) return;
  const from = new Date(Date.now() - (HISTORY_DAYS - 1) * 86_400_000).toISOString().slice(0, 10);
  const stillSignedIn = () => session.creator !== null && session.creator.id === creator.id;
  try {
    const rows = await metricHistory(token, from);
    if (!stillSignedIn()) return;
    view.addHistory(rows, from);
    view.setHistoryState('loaded', `last ${HISTORY_DAYS} days, overall values`);
  } catch (error) {
    if (!stillSignedIn()) return;
    view.setHistoryState('failed', `history not loaded: ${describeFailure(error)}`);
  }
}

function signedIn(creator) {
  $('who').textContent =
    creator.companyName || [creator.firstName, creator.lastName].filter(Boolean).join(' ') || creator.email;
  $('who').title = creator.email;
  $('who').hidden = false;
  $('sign-out').hidden = false;
  $('sign-in').hidden = true;
  $('dashboard').hidden = false;
  document.body.dataset.sessionRefreshes = '0';
  // Subscribe first, then read the history: nothing written in between is missed (a row seen
  // both ways is merged by its id and updatedAt).
  live.start(session.accessToken);
  void loadHistory();
}

function signedOut(reason) {
  live.stop();
  view.reset();
  showProblem(null);
  setState('signed-out');
  $('who').hidden = true;
  $('sign-out').hidden = true;
  $('dashboard').hidden = true;
  $('sign-in').hidden = false;
  $('password').value = config.demoSignIn ? config.demoSignIn.password : '';
  showSignInError(reason || null);
}

$('sign-in-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const button = $('sign-in-button');
  if (button.disabled) return;
  button.disabled = true;
  showSignInError(null);
  setState('signing-in');
  try {
    const creator = await session.logIn($('email').value.trim(), $('password').value);
    signedIn(creator);
  } catch (error) {
    setState('signed-out');
    if (error instanceof SignInError)
      showSignInError(/[.!?]$/.test(error.message) ? error.message : `${error.message}.`, error.code);
    else showSignInError(describeFailure(error), error && error.code);
  } finally {
    button.disabled = false;
  }
});

$('sign-out').addEventListener('click', () => {
  // The page forgets the session at once (logOut does so before it awaits the server), so the
  // server closing the socket for the ended log-in is not taken for a token to refresh.
  void session.logOut();
  signedOut(null);
});

if (config.demoSignIn) {
  $('email').value = config.demoSignIn.email;
  $('password').value = config.demoSignIn.password;
  $('demo-hint').hidden = false;
}
document.body.dataset.ready = 'true';
