// The README's fenced code blocks, and the few things a test may change in them before running
// them. A snippet runs as written except for what must differ in a test (the port, a token, a
// key, a hash), each listed in SUBSTITUTIONS with the reason, so that what passes here is what
// a reader would type.
import fs from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');

export interface Snippet {
  /** The info string after the opening fence ('' when there is none). */
  lang: string;
  /** 1-based line of the opening fence, for messages. */
  line: number;
  code: string;
}

export function readmeSnippets(file = path.join(ROOT, 'README.md')): Snippet[] {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const snippets: Snippet[] = [];
  let open: { lang: string; line: number; body: string[] } | undefined;
  lines.forEach((text, index) => {
    if (!open) {
      const fence = /^```\s*([\w+-]*)\s*$/.exec(text);
      if (fence) open = { lang: fence[1]!.toLowerCase(), line: index + 1, body: [] };
    } else if (/^```\s*$/.test(text)) {
      snippets.push({ lang: open.lang, line: open.line, code: open.body.join('\n') });
      open = undefined;
    } else {
      open.body.push(text);
    }
  });
  if (open) throw new Error(`README.md: the code block at line ${open.line} is never closed`);
  return snippets;
}

/** How each kind of block is run; a block of any other kind must be in NOT_RUN. */
export const RUNNERS = {
  shell: ['sh', 'bash', 'shell', 'console'],
  graphql: ['graphql', 'gql'],
  node: ['js', 'mjs', 'javascript', 'ts', 'typescript'],
  sql: ['sql'],
} as const;
export type Runner = keyof typeof RUNNERS;

export function runnerOf(snippet: Snippet): Runner | undefined {
  return (Object.keys(RUNNERS) as Runner[]).find((runner) =>
    (RUNNERS[runner] as readonly string[]).includes(snippet.lang),
  );
}

/**
 * Blocks that no test can run as written, each with the reason. Matched by their exact text,
 * so a block that changes, or a new one, is run or fails the test until it is listed here.
 */
export const NOT_RUN: { code: string | RegExp; why: string }[] = [
  {
    code: 'npm install && npm start',
    why: 'installs the dependencies the test runs on and serves on port 4000 until Ctrl-C; test/db/embedded.test.ts runs what npm start runs (startApp on a fresh embedded cluster)',
  },
  { code: 'npm test', why: 'is the suite this test belongs to' },
  {
    code: /^CORS_ORIGINS=\S+ npm start$/,
    why: 'serves until Ctrl-C; test/server/cors.test.ts starts the server with CORS_ORIGINS listing two origins and checks what the section says, and test/server/cors.browser.test.ts does it in Chromium',
  },
  { code: /^prisma\/schema\.prisma\s/, why: 'the Layout section: a directory listing, not a command' },
];

export function notRunReason(snippet: Snippet): string | undefined {
  return NOT_RUN.find((entry) =>
    typeof entry.code === 'string' ? snippet.code.trim() === entry.code : entry.code.test(snippet.code),
  )?.why;
}

/** What a test substitutes, and why. Everything else in a snippet runs verbatim. */
export interface Substitutions {
  /** host:port of the test server (the README's 127.0.0.1:4000). */
  host: string;
  /** A demo creator's access token, like the ones `npm start` prints. */
  token: string;
  /** sha256 hash of a partner operation in the committed manifest, by name. */
  partnerHash(name: string): string;
}

export const SUBSTITUTIONS: {
  find: RegExp;
  why: string;
  replace: (s: Substitutions, ...groups: string[]) => string;
}[] = [
  { find: /127\.0\.0\.1:4000/g, why: 'the test server listens on a free port', replace: (s) => s.host },
  {
    find: /<token printed by npm start>/g,
    why: 'npm start prints a token for each demo creator; the test signs one for ada@demo.creatorgraph.dev',
    replace: (s) => s.token,
  },
  {
    find: /<(\w+) hash>/g,
    why: "the operation's hash in src/generated/partner/persisted-documents.json",
    replace: (s, name) => s.partnerHash(name),
  },
  // Shell variables stay as written: `$KEY` is set in the environment of the shell that runs the
  // block (an API key the test issues to the demo creator), as a reader would `export KEY=...`.
];

/** A snippet with the substitutions applied; `used` collects the ones that matched. */
export function substitute(code: string, s: Substitutions, used: Set<RegExp>): string {
  let out = code;
  for (const { find, replace } of SUBSTITUTIONS) {
    out = out.replace(find, (...match: string[]) => {
      used.add(find);
      return replace(s, ...match.slice(1, -2));
    });
  }
  return out;
}

/** Values printed back to back (curl -s prints each response without a newline), parsed. */
export function jsonValues(text: string): unknown[] {
  const values: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') {
      if (depth++ === 0) start = i;
    } else if (c === '}' || c === ']') {
      if (--depth === 0) values.push(JSON.parse(text.slice(start, i + 1)));
    }
  }
  return values;
}
