// Query limits, applied to HTTP and WebSocket operations alike (server/limits.ts enforces them).
import { int, type Env } from './parse';

export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  maxCost: number;
  /** Lexical tokens in a document: the parser stops past this (GRAPHQL_PARSE_FAILED). */
  maxTokens: number;
  maxDirectives: number;
}

export const DEFAULT_LIMITS: QueryLimits = {
  maxDepth: 16,
  maxAliases: 30,
  maxCost: 50_000,
  maxTokens: 5_000,
  maxDirectives: 20,
};

export function queryLimits(env: Env): QueryLimits {
  return {
    maxDepth: int(env, 'MAX_QUERY_DEPTH', DEFAULT_LIMITS.maxDepth, 2, 100),
    maxAliases: int(env, 'MAX_QUERY_ALIASES', DEFAULT_LIMITS.maxAliases, 0, 1000),
    maxCost: int(env, 'MAX_QUERY_COST', DEFAULT_LIMITS.maxCost, 100, Number.MAX_SAFE_INTEGER),
    maxTokens: int(env, 'MAX_QUERY_TOKENS', DEFAULT_LIMITS.maxTokens, 100, 1_000_000),
    maxDirectives: int(env, 'MAX_QUERY_DIRECTIVES', DEFAULT_LIMITS.maxDirectives, 0, 1000),
  };
}
