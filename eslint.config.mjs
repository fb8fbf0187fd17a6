// npm run lint: @eslint/js recommended and typescript-eslint's type-checked recommended rules
// (types from the nearest tsconfig.json, through the project service) over src/, test/,
// scripts/ and the root config files. npm run lint:bench lints bench/ once bench/node_modules is
// installed (scripts/bench-deps.js): without autocannon's types every use of it is an error type.
// Formatting is Prettier's (npm run format:check): these rule sets hold no stylistic rules, so no
// eslint-config-prettier.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    ignores: [
      'src/generated/**',
      'dist/**',
      '.data/**',
      'test-artifacts/**',
      'bench/node_modules/**',
      'bench/results/**',
      '**/fuzz/reports/**',
      // Browser code with its own strict type check (npm run typecheck: tsc -p src/server/explorer/client).
      'src/server/explorer/client/**',
    ],
  },
  {
    files: ['**/*.{ts,mts,cts,js,mjs,cjs}'],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      // Pothos plugins extend its global PothosSchemaTypes namespace (declaration merging).
      '@typescript-eslint/no-namespace': ['error', { allowDeclarations: true }],
      // Adapters implement promise-returning interfaces synchronously (MemoryRateStore beside
      // RedisRateStore, Apollo plugin hooks): an async function without await is the interface.
      '@typescript-eslint/require-await': 'off',
    },
  },
  // The server logs through pino (src/logger.ts); the CLI entries print for a person.
  { files: ['src/**/*.ts'], ignores: ['src/cli/**'], rules: { 'no-console': 'error' } },
  // Tests read GraphQL responses as untyped JSON and poke at internals on purpose.
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // Tests wrap library methods to count or fail calls (pg.Client.prototype.query, the password
      // hasher), print whatever a server answered, and send numbers JSON cannot hold on purpose.
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-base-to-string': 'off',
      '@typescript-eslint/restrict-template-expressions': 'off',
      'no-loss-of-precision': 'off',
    },
  },
  // Plain JavaScript: Node's CommonJS scripts and config files, outside any tsconfig.json.
  {
    files: ['**/*.{js,cjs}'],
    ignores: ['src/server/dashboard/public/**'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        exports: 'writable',
        process: 'readonly',
        __dirname: 'readonly',
        __filename: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        URL: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  // The dashboard's browser modules, served as they are: the browser globals they use, and the
  // two scripts the page loads before them (uPlot, graphql-ws's browser build).
  {
    files: ['src/server/dashboard/public/**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      sourceType: 'module',
      globals: {
        document: 'readonly',
        window: 'readonly',
        location: 'readonly',
        fetch: 'readonly',
        WebSocket: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        requestAnimationFrame: 'readonly',
        URL: 'readonly',
        atob: 'readonly',
        ResizeObserver: 'readonly',
        uPlot: 'readonly',
        graphqlWs: 'readonly',
      },
    },
  },
);
