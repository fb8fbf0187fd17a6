// Assembles the schema from every module. Defines nothing itself.
import { lexicographicSortSchema } from 'graphql';
import { builder } from './builder';
import '../modules/system/health.schema';
import '../modules/creators/creator.schema';

export const schema = lexicographicSortSchema(builder.toSchema());
