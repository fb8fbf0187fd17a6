// The browser pages this server serves when EXPLORER / DASHBOARD are on (README: Browser
// clients). Outside production both start ready to use with the first demo creator: the explorer's
// header editor holds a token for it, and the dashboard's sign-in form its demo credentials. In
// production there is no demo creator, so neither is pre-filled.
import type { BrowserConfig } from '../config/browser';
import type { TokenService } from '../auth/tokens';
import type { Database } from '../db/database';
import { DEMO_CREATORS } from '../db/seed/demo-content';
import type { BrowserPage } from './browser-pages';
import { createExplorer } from './explorer/explorer';
import { createDashboard } from './dashboard/dashboard';

/** A demo token lives as long as `npm start` prints it for (8 hours). */
const DEMO_TOKEN_SECONDS = 8 * 3600;

export function createBrowserPages(
  config: BrowserConfig,
  deps: { tokens: TokenService; db: Database; production: boolean },
): BrowserPage[] {
  const demo = deps.production ? undefined : DEMO_CREATORS[0];
  let demoId: string | undefined;
  async function initialHeaders(): Promise<Record<string, string>> {
    if (!demo) return {};
    demoId ??= (await deps.db.owner.creator.findUnique({ where: { email: demo.email }, select: { id: true } }))?.id;
    return demoId
      ? { Authorization: `Bearer ${deps.tokens.sign({ sub: demoId, role: 'creator' }, DEMO_TOKEN_SECONDS).token}` }
      : {};
  }
  const pages: BrowserPage[] = [];
  if (config.explorer) pages.push(createExplorer({ initialHeaders }));
  if (config.dashboard)
    pages.push(createDashboard({ demoSignIn: demo && { email: demo.email, password: demo.password } }));
  return pages;
}
