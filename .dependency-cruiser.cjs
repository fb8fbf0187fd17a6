// Layer rules (README, Development: "Layers"): server -> graphql -> modules -> db, with realtime/
// and jobs/ beside modules. `npm run lint:deps` checks src/ against them in CI; type-only imports
// count (tsPreCompilationDeps), because a type import still ties the layers together.
//
// A module's public entry: its `*.service.ts` files, plus everything in modules/shared/ (inputs
// and enums that several modules' schemas share). Schema files, loaders and helpers are private
// to their module. Not `index.ts`: the code imports from the file that defines a thing, and index
// files do not re-export.
//
// src/ has no violation, and every one fails `npm run lint:deps` (there is no list of tolerated
// ones). `node scripts/check-layer-rules.js` proves the rules bite; `--report` counts by rule.
const MODULE_ENTRY = ['^src/modules/[^/]+/[^/]+\\.service\\.ts$', '^src/modules/shared/'];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-upward-import-of-server',
      severity: 'error',
      comment:
        'Nothing below the transport imports it (graphql, modules, realtime, jobs, db, auth, cli, config): only server/ itself and the entry wiring, src/app.ts and src/main.ts.',
      from: { path: '^src/', pathNot: ['^src/server/', '^src/app\\.ts$', '^src/main\\.ts$'] },
      to: { path: '^src/server/' },
    },
    {
      name: 'db-stays-below',
      severity: 'error',
      comment:
        'db/ knows no GraphQL, no transport and no domain: it never imports graphql, server, modules, realtime, jobs or cli.',
      from: { path: '^src/db/' },
      to: { path: '^src/(graphql|server|modules|realtime|jobs|cli)/' },
    },
    {
      name: 'graphql-core-has-no-domain',
      severity: 'error',
      comment:
        'The graph layer (builder, context, scalars, errors) defines no domain; only schema.ts assembles the modules.',
      from: { path: '^src/graphql/', pathNot: '^src/graphql/schema\\.ts$' },
      to: { path: '^src/(modules|realtime|jobs)/' },
    },
    {
      name: 'modules-do-not-import-jobs-or-cli',
      severity: 'error',
      comment: 'Jobs and the CLI call services, not the other way round.',
      from: { path: '^src/modules/' },
      to: { path: '^src/(jobs|cli)/' },
    },
    {
      name: 'module-public-entry-only',
      severity: 'error',
      comment:
        "A module reaches another only through that module's public entry: its *.service.ts files, or modules/shared/.",
      from: { path: '^src/modules/([^/]+)/' },
      to: { path: '^src/modules/', pathNot: ['^src/modules/$1/', ...MODULE_ENTRY] },
    },
    {
      name: 'outside-reaches-modules-by-entry',
      severity: 'error',
      comment: 'jobs/, realtime/ and cli/ reach a module only through its public entry, as other modules do.',
      from: { path: '^src/(jobs|cli|realtime)/' },
      to: { path: '^src/modules/', pathNot: MODULE_ENTRY },
    },
    {
      name: 'services-know-no-request',
      severity: 'error',
      comment:
        'Services are plain functions of their dependencies, a viewer or tenant, and their input, so that resolvers, jobs, the CLI and tests call the same ones: a *.service.ts never imports the request context, the schema builder or the per-request data access.',
      from: { path: '^src/modules/[^/]+/[^/]+\\.service\\.ts$' },
      to: { path: '^src/graphql/(context|builder|tenant|data-access|auth-scopes|guards|crud)\\.ts$' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles, type-only imports included.',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: ['node_modules', '^src/generated/'] },
    // Generated code, and the browser bundles' sources (their own tsconfig, no server imports).
    exclude: { path: ['^src/generated/', '^src/server/explorer/client/', '^src/server/dashboard/public/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.json'],
    },
  },
};
