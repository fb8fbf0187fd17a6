// What the channels and widget test files share, with updateMe's (test/modules/creators/update-me.test.ts;
// the cross-tenant cases here change a creator too): the documents, the validation check, and reads of
// what is really stored (through the owner role, which bypasses row-level security).
import { expectValidation as expectValidationOf, ERRORS, type Result, type ApiHarness } from '../../helpers/api';

/** A ValidationError whose field paths are exactly `paths` (a path "x.*" matches x.<index>). */
export const expectValidation = (r: Result, paths: string[]) =>
  expectValidationOf(r, paths, (path) => path.replace(/\.\d+$/, '.*'));
export const CHANNEL_FIELDS = `id channelType name configuration status userCount createdAt updatedAt`;
export const CHANNELS = /* GraphQL */ `query Channels($first: Int) { channels(first: $first) { totalCount pageInfo { hasNextPage } nodes { ${CHANNEL_FIELDS} } } }`;
export const CREATE_CHANNEL = /* GraphQL */ `mutation CreateChannel($input: ChannelInput!) {
  createChannel(input: $input) { __typename ... on CreateChannelSuccess { data { ${CHANNEL_FIELDS} } } ${ERRORS} }
}`;
export const UPDATE_CHANNEL = /* GraphQL */ `mutation UpdateChannel($id: ID!, $input: ChannelInput!) {
  updateChannel(id: $id, input: $input) { __typename ... on UpdateChannelSuccess { data { ${CHANNEL_FIELDS} } } ${ERRORS} }
}`;
export const DELETE_CHANNEL = /* GraphQL */ `mutation DeleteChannel($id: ID!) {
  deleteChannel(id: $id) { __typename ... on DeleteChannelSuccess { data } ${ERRORS} }
}`;
export const WIDGET_FIELDS = `theme behavior allowedDomains rateLimitPerMinute updatedAt`;
export const WIDGET = /* GraphQL */ `query Widget { widgetConfig { ${WIDGET_FIELDS} } me { id widgetConfig { ${WIDGET_FIELDS} } } }`;
export const UPDATE_WIDGET = /* GraphQL */ `mutation UpdateWidget($input: UpdateWidgetConfigInput!) {
  updateWidgetConfig(input: $input) { __typename ... on UpdateWidgetConfigSuccess { data { ${WIDGET_FIELDS} } } ${ERRORS} }
}`;
export const UPDATE_ME = /* GraphQL */ `mutation UpdateMe($input: UpdateMeInput!) {
  updateMe(input: $input) { __typename ... on UpdateMeSuccess { data { id email firstName lastName companyName settings onboardingCompleted onboardingData } } ${ERRORS} }
}`;

/** Stored channels, widget config and creator, and every channel and widget row. */
export function channelsFixtures(api: ApiHarness) {
  const { sql, one, rowOf, snapshot } = api;
  const channelsOf = (creatorId: string) =>
    sql(`SELECT * FROM channels WHERE creator_id = $1 ORDER BY channel_type`, [creatorId]);
  const widgetOf = (creatorId: string) => one(`SELECT * FROM widget_configs WHERE creator_id = $1`, [creatorId]);
  const creatorRow = (id: string) => rowOf('creators', id);
  const channelState = () => snapshot({ channels: 'channels', widgets: 'widget_configs' });
  return { channelsOf, widgetOf, creatorRow, channelState };
}
