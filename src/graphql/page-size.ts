// Page sizes, one definition for the schema (builder.ts, node.ts) and the cost estimate
// (server/operation-cost.ts), which prices a page as the rows the server would return.

/** The most rows a page returns, whatever `first`/`last` ask for. */
export const MAX_PAGE_SIZE = 100;
/** The page size when a connection gets neither `first` nor `last`. */
export const DEFAULT_PAGE_SIZE = 20;
