// Assembles the schema from every module. Defines nothing itself.
import { lexicographicSortSchema } from 'graphql';
import { builder } from './builder';
import './error-types';
import '../modules/shared/enums';
import '../modules/system/health.schema';
import '../modules/creators/creator.schema';
import '../modules/creators/auth.schema';

export const schema = lexicographicSortSchema(builder.toSchema());
