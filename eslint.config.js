// `npm run lint` (part of `npm test`, run with --max-warnings 0): typescript-eslint with type information, import
// rules and the formatting rules the code already follows. The plugins come from tools/lint, a workspace with its
// own TypeScript 6, because typescript-eslint cannot load TypeScript 7 (the project's `tsc`): tools/lint/README.md.
// A rule is switched off only with the reason beside it. Layering and cycles: .dependency-cruiser.cjs.
import { globals, importX, js, stylistic, tseslint } from 'gatehouse-lint';

export default tseslint.config(
  { ignores: ['dist/', 'tools/', 'test-artifacts/'] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    plugins: { 'import-x': importX, '@stylistic': stylistic },
    rules: {
      // Kept from recommendedTypeChecked and worth naming: a promise nobody awaits loses its error (and in a test,
      // its assertion); an async callback where a sync one is expected runs unobserved.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',

      // Values that arrive untyped (Koa's request body, raw SQL rows, JSON answers in tests) are read as `any`.
      // Typing each read would churn hundreds of lines for no behaviour; the pure core keeps these on (below).
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      // Converting such an unknown value with String() or a template is what the code means to do.
      '@typescript-eslint/no-base-to-string': 'off',
      // Async implementations of Promise-returning interfaces (in-memory stores, SQLite reads) need no await.
      '@typescript-eslint/require-await': 'off',
      // Whether an assertion is "unnecessary" differs between TypeScript 6 (the linter's) and 7 (`tsc`), and an
      // assertion changes no emitted code.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true, argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-unused-expressions': ['error', { allowShortCircuit: true, allowTernary: true }],

      // Imports: type-only imports say so (verbatimModuleSyntax erases exactly those), one import per module,
      // imports first, no import of what package.json does not declare.
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports', fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-import-type-side-effects': 'error',
      'import-x/no-duplicates': 'error',
      'import-x/first': 'error',
      'import-x/no-self-import': 'error',
      'import-x/no-useless-path-segments': 'error',
      'import-x/no-absolute-path': 'error',
      'import-x/no-mutable-exports': 'error',
      'import-x/no-extraneous-dependencies': ['error', { devDependencies: ['test/**', 'bench/**', 'mikro-orm.config.ts'] }],

      // Formatting: the style the code is written in, checked by the linter (no reformat of the codebase).
      '@stylistic/semi': ['error', 'always'],
      '@stylistic/quotes': ['error', 'single', { avoidEscape: true, allowTemplateLiterals: 'always' }],
      '@stylistic/indent': ['error', 2, { SwitchCase: 1, ignoredNodes: ['TemplateLiteral *'] }],
      '@stylistic/no-tabs': 'error',
      '@stylistic/no-trailing-spaces': 'error',
      '@stylistic/eol-last': 'error',
      '@stylistic/no-multiple-empty-lines': ['error', { max: 1, maxEOF: 0 }],
      '@stylistic/comma-dangle': ['error', 'always-multiline'],
      '@stylistic/comma-spacing': 'error',
      '@stylistic/keyword-spacing': 'error',
      '@stylistic/space-infix-ops': 'error',
      // Not checked: brace placement (compact `if (a) { ... }` / `else ...` lines are used on purpose) and line
      // length (one statement stays on one line, up to ~350 columns).
      '@stylistic/arrow-parens': ['error', 'always'],
    },
  },
  {
    // JavaScript files are outside tsconfig.json: the same rules without type information.
    files: ['**/*.js', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  { files: ['templates/static/**/*.js'], languageOptions: { globals: globals.browser, sourceType: 'script' } },
  {
    files: ['eslint.config.js'],
    languageOptions: { globals: globals.node },
    // gatehouse-lint is this repository's tools/lint workspace, not a package dependency.
    rules: { 'import-x/no-extraneous-dependencies': 'off' },
  },
  { files: ['**/*.cjs'], languageOptions: { globals: globals.node, sourceType: 'commonjs' } },
  {
    // The pure protocol core takes plain data in: nothing untyped flows through it.
    files: ['src/oauth2/**', 'src/oauth1/**'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'error',
      '@typescript-eslint/no-unsafe-member-access': 'error',
      '@typescript-eslint/no-unsafe-argument': 'error',
      '@typescript-eslint/no-unsafe-return': 'error',
      '@typescript-eslint/no-unsafe-call': 'error',
    },
  },
  {
    // A resolver's arguments were validated against the SDL (schema/*.graphql) before it runs; `any` is
    // graphql-js's own type for them, and repeating the SDL as TypeScript types would be a second source.
    files: ['src/graphql/resolvers/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['test/**', 'bench/**'],
    rules: {
      // JSON answers and GraphQL results are `any` in tests; chai's `expect(x).to.be.empty` is an expression.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-expressions': 'off',
      '@typescript-eslint/restrict-template-expressions': 'off',
      // Callbacks' errors are passed to reject() as they came.
      '@typescript-eslint/prefer-promise-reject-errors': 'off',
    },
  },
);
