// `npm run check:arch` (part of `npm test`): the layering of docs/architecture.md, checked on every import,
// type-only imports included. Run through tools/lint/depcruise.js (TypeScript 6 parses, see tools/lint/README.md).
/** @type {import('dependency-cruiser').IConfiguration} */
const core = '^src/(oauth2|oauth1|oidc)/';
// A framework is reached through its package or its @types package (a type-only import resolves to the latter).
const frameworks = 'node_modules/(@types/)?(koa|koa-[^/]+|koa__[^/]+|@koa/[^/]+|@mikro-orm/[^/]+|pug)/';

module.exports = {
  forbidden: [
    {
      name: 'core-without-frameworks',
      comment: 'src/oauth2, src/oauth1 and src/oidc are the pure protocol core: plain data in and out, no Koa, MikroORM or pug.',
      severity: 'error',
      from: { path: core },
      to: { path: frameworks },
    },
    {
      name: 'core-without-outer-layers',
      comment: 'The core declares the store interfaces it needs; http, graphql and storage depend on the core, never the reverse.',
      severity: 'error',
      from: { path: core },
      to: { path: '^src/(http|graphql|storage)/' },
    },
    {
      name: 'storage-without-transports',
      comment: 'Storage knows nothing of HTTP or GraphQL: it answers queries from whichever layer asks.',
      severity: 'error',
      from: { path: '^src/storage/' },
      to: { path: '^src/(http|graphql)/' },
    },
    {
      name: 'accounts-without-transports',
      comment: 'src/accounts (users, passwords, throttles and who counts as one source) sits under the transports: http and graphql call it, never the reverse.',
      severity: 'error',
      from: { path: '^src/accounts/' },
      to: { path: '^src/(http|graphql)/' },
    },
    {
      name: 'graphql-without-orm',
      comment: 'The admin API asks storage through the admin store (src/storage/admin-store.ts): named queries returning views, never MikroORM or an entity.',
      severity: 'error',
      from: { path: '^src/graphql/' },
      to: { path: ['node_modules/(@types/)?@mikro-orm/', '^src/storage/(.+\\.entity|entities|columns|token-columns)\\.ts$'] },
    },
    {
      name: 'graphql-through-admin-store',
      comment: 'Of storage, src/graphql sees the admin store interface and its views, and the Stores type it is handed: table and column names stay in storage.',
      severity: 'error',
      from: { path: '^src/graphql/' },
      to: { path: '^src/storage/', pathNot: '^src/storage/(admin-store|index)\\.ts$' },
    },
    {
      name: 'no-cycles',
      comment: 'A cycle makes load order matter and layers inseparable; break it with an interface in the lower module.',
      severity: 'error',
      from: { path: '^src/' },
      // A cycle with an `import type` edge in it is erased before run time, and is how a registry and the types
      // derived from it meet (GrantType is the union of the registered grants, and the grants read the store
      // types that use it): such cycles are allowed. A cycle made of run-time imports fails.
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: ['^src/', 'node_modules/'],
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['gatehouse-source', 'import', 'require', 'node', 'types', 'default'],
      extensions: ['.ts', '.d.ts', '.js'],
      mainFields: ['types', 'typings', 'module', 'main'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
