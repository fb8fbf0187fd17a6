// Assembles the schema from every module. Defines nothing itself.
import { lexicographicSortSchema } from 'graphql';
import { builder } from './builder';
import './error-types';
import './node';
import '../modules/shared/enums';
import '../modules/system/health.schema';
import '../modules/creators/creator.schema';
import '../modules/creators/auth.schema';
import '../modules/users/user.schema';
import '../modules/users/interaction.schema';
import '../modules/users/user-sync.schema';
import '../modules/users/privacy.schema';
import '../modules/partners/api-key.schema';
import '../modules/programs/program.schema';
import '../modules/programs/enrollment.schema';
import '../modules/conversations/conversation.schema';
import '../modules/gamification/badge.schema';
import '../modules/gamification/points.schema';
import '../modules/analytics/metric.schema';
import '../modules/analytics/insights.schema';
import '../modules/analytics/funnel.schema';
import '../modules/analytics/dashboard.schema';
import '../modules/knowledge/knowledge.schema';
import '../modules/channels/channel.schema';
import '../modules/billing/billing.schema';
import '../modules/audit/audit.schema';

export const schema = lexicographicSortSchema(builder.toSchema());
