// GraphQL over HTTP to this server's public endpoint, and the documents the dashboard sends.
// Nothing here is private to this server: a third-party dashboard would send the same.

/** A failure with the server's code (RATE_LIMITED, UNAUTHENTICATED, ...) or NETWORK. */
export class ApiError extends Error {
  constructor(code, message, retryAfterSeconds) {
    super(message);
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

let endpoint = '/graphql';
export function setEndpoint(path) {
  endpoint = path;
}

/** POSTs one operation and returns its data; any error, at the top level or HTTP, throws. */
export async function request(query, variables = {}, token) {
  const headers = { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(endpoint, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query, variables }),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError('NETWORK', 'The server cannot be reached.');
  }
  let body;
  try {
    body = await response.json();
  } catch {
    throw new ApiError('BAD_RESPONSE', `The server answered HTTP ${response.status} without a GraphQL result.`);
  }
  const first = body && Array.isArray(body.errors) ? body.errors[0] : undefined;
  if (first || !body || !body.data) {
    const code = (first && first.extensions && first.extensions.code) || `HTTP_${response.status}`;
    const retryAfter = Number(response.headers.get('retry-after')) || undefined;
    throw new ApiError(code, first ? first.message : 'The server answered without data.', retryAfter);
  }
  return body.data;
}

/** A message for a person, from an ApiError or anything else thrown. */
export function describeFailure(error) {
  if (error instanceof ApiError && error.code === 'RATE_LIMITED') {
    const wait = error.retryAfterSeconds ? ` Try again in ${error.retryAfterSeconds} s.` : ' Try again shortly.';
    return `Too many requests (RATE_LIMITED).${wait}`;
  }
  if (error instanceof ApiError) return `${error.message} (${error.code})`;
  return error && error.message ? error.message : String(error);
}

const SESSION = /* GraphQL */ `
  __typename
  ... on AuthPayload { accessToken accessTokenExpiresAt refreshToken creator { id email companyName firstName lastName } }
  ... on Error { code message }
  ... on ValidationError { fields { path message } }`;

export const LOG_IN = /* GraphQL */ `mutation DashboardLogIn($email: String!, $password: String!) {
  logIn(email: $email, password: $password) { ${SESSION} }
}`;

export const REFRESH_SESSION = /* GraphQL */ `mutation DashboardRefreshSession($refreshToken: String!) {
  refreshSession(refreshToken: $refreshToken) { ${SESSION} }
}`;

export const LOG_OUT = /* GraphQL */ `
  mutation DashboardLogOut($refreshToken: String!) {
    logOut(refreshToken: $refreshToken)
  }
`;

const METRIC = /* GraphQL */ `
  fragment DashboardMetric on EngagementMetric {
    id
    metricType
    metricValue
    dimensions
    date
    updatedAt
  }
`;

/** Daily metrics from a day on, oldest first, a page at a time (the server's cap is 100). */
export const METRIC_HISTORY = /* GraphQL */ `
  query DashboardMetricHistory($from: Date!, $after: String) {
    engagementMetrics(first: 100, after: $after, filter: { dates: { from: $from } }) {
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        ...DashboardMetric
      }
    }
  }
  ${METRIC}
`;

export const SUMMARY_UPDATES = /* GraphQL */ `
  subscription DashboardSummaryUpdates {
    dashboardSummary {
      date
      activeUsers
      newUsers
      messages
      enrollmentsCompleted
      badgesAwarded
      conversationsEscalated
    }
  }
`;

export const METRIC_UPDATES = /* GraphQL */ `
  subscription DashboardMetricUpdates {
    engagementMetricUpdated {
      ...DashboardMetric
    }
  }
  ${METRIC}
`;

/** Every metric from `from` (YYYY-MM-DD) on, at most `maxPages` pages. */
export async function metricHistory(token, from, maxPages = 20) {
  const rows = [];
  let after = null;
  for (let page = 0; page < maxPages; page++) {
    const { engagementMetrics } = await request(METRIC_HISTORY, { from, after }, token);
    rows.push(...engagementMetrics.nodes);
    if (!engagementMetrics.pageInfo.hasNextPage) break;
    after = engagementMetrics.pageInfo.endCursor;
  }
  return rows;
}
