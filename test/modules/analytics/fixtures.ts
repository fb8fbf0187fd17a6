// What the analytics test files share: the documents, the stored columns to compare with, each
// tenant's programs that have analytics, and every page of a list.
import { ERRORS, type ApiHarness } from '../../helpers/api';

/** Metric rows with the day as text (no time-zone games in the pg client). */
export const METRIC_COLUMNS = `id, creator_id, metric_type, metric_value, dimensions, to_char(date, 'YYYY-MM-DD') AS day, updated_at`;
export const ANALYTIC_COLUMNS = `id, creator_id, program_id, metric_type, metric_value, to_char(date, 'YYYY-MM-DD') AS day, updated_at`;
export const METRIC_FIELDS = `id metricType metricValue dimensions date updatedAt`;
export const METRICS = /* GraphQL */ `query Metrics($filter: EngagementMetricFilter, $first: Int, $after: String) {
  engagementMetrics(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage endCursor }
    nodes { ${METRIC_FIELDS} }
  }
}`;
export const ANALYTIC_FIELDS = `id metricType metricValue date updatedAt program { id }`;
export const PROGRAM_ANALYTICS = /* GraphQL */ `query ProgramAnalytics($filter: ProgramAnalyticFilter, $first: Int, $after: String) {
  programAnalytics(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { ${ANALYTIC_FIELDS} }
  }
}`;
export const RECORD_METRIC = /* GraphQL */ `mutation RecordMetric($input: RecordEngagementMetricInput!) {
  recordEngagementMetric(input: $input) { __typename ... on RecordEngagementMetricSuccess { data { ${METRIC_FIELDS} } } ${ERRORS} }
}`;
export const RECORD_ANALYTIC = /* GraphQL */ `mutation RecordAnalytic($input: RecordProgramAnalyticInput!) {
  recordProgramAnalytic(input: $input) { __typename ... on RecordProgramAnalyticSuccess { data { ${ANALYTIC_FIELDS} } } ${ERRORS} }
}`;
export const DELETE_METRIC = /* GraphQL */ `mutation DeleteMetric($id: ID!) {
  deleteEngagementMetric(id: $id) { __typename ... on DeleteEngagementMetricSuccess { data } ${ERRORS} }
}`;
export const DELETE_ANALYTIC = /* GraphQL */ `mutation DeleteAnalytic($id: ID!) {
  deleteProgramAnalytic(id: $id) { __typename ... on DeleteProgramAnalyticSuccess { data } ${ERRORS} }
}`;
export const NODE = /* GraphQL */ `
  query Node($id: ID!) {
    node(id: $id) {
      __typename
      id
      ... on EngagementMetric {
        metricType
        metricValue
      }
      ... on ProgramAnalytic {
        metricType
        program {
          id
          name
        }
      }
      ... on Program {
        name
        analytics(first: 100) {
          totalCount
          nodes {
            id
            program {
              id
            }
          }
        }
      }
    }
  }
`;

/** Every analytics row, and every page of the metrics and program analytics lists. */
export function analyticsFixtures(api: ApiHarness) {
  const { snapshot } = api;
  const { readAll } = api.withTokens;
  const analyticsState = () => snapshot({ metrics: 'engagement_metrics', analytics: 'program_analytics' });
  /** Every page (at most 50) of a metrics query (the server caps a page at 100). */
  const allMetrics = (token: string, filter: Record<string, unknown> = {}) =>
    readAll(token, METRICS, 'engagementMetrics', filter, 50);
  const allAnalytics = (token: string, filter: Record<string, unknown> = {}) =>
    readAll(token, PROGRAM_ANALYTICS, 'programAnalytics', filter, 50);
  return { analyticsState, allMetrics, allAnalytics };
}

/** Each tenant's programs that have analytics (the published and archived ones). */
export async function programsWithAnalytics(api: ApiHarness): Promise<{ programsA: string[]; programsB: string[] }> {
  const withAnalytics = async (creatorId: string) =>
    (
      await api.owner.query<{ id: string }>(
        `SELECT p.id FROM programs p WHERE p.creator_id = $1 AND EXISTS (SELECT 1 FROM program_analytics a WHERE a.program_id = p.id) ORDER BY p.created_at, p.id`,
        [creatorId],
      )
    ).rows.map((r) => r.id);
  return { programsA: await withAnalytics(api.tenants.creatorA), programsB: await withAnalytics(api.tenants.creatorB) };
}
