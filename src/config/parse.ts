// The parsers every setting goes through: each names its variable when a value is wrong.

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`Invalid configuration: ${variable} ${message}`);
    this.name = 'ConfigError';
  }
}

export type Env = Record<string, string | undefined>;

export function str(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

export function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const value = str(env, name);
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')} (got "${value}")`);
  }
  return value as T;
}

export function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = str(env, name);
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new ConfigError(name, `must be a whole number (got "${value}")`);
  const n = Number(value);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max} (got ${n})`);
  return n;
}

export function bool(env: Env, name: string, fallback: boolean): boolean {
  const value = str(env, name);
  if (value === undefined) return fallback;
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw new ConfigError(name, `must be true or false (got "${value}")`);
}

export function postgresUrl(env: Env, name: string): string | undefined {
  const value = str(env, name);
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(name, 'must be a postgres:// URL');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError(name, `must be a postgres:// URL (got protocol "${url.protocol}")`);
  }
  if (url.pathname.length <= 1) throw new ConfigError(name, 'must name a database');
  return value;
}

export function pem(env: Env, name: string): string | undefined {
  const value = str(env, name);
  if (value === undefined) return undefined;
  // Allow keys passed on one line with literal \n, as many secret stores require.
  const text = value.replace(/\\n/g, '\n');
  if (!text.includes('-----BEGIN ')) throw new ConfigError(name, 'must be a PEM-encoded key');
  return text;
}

export function secretOf(env: Env, name: string): string | undefined {
  const value = str(env, name);
  if (value !== undefined && Buffer.byteLength(value, 'utf8') < 32)
    throw new ConfigError(name, 'must be at least 32 bytes');
  return value;
}
