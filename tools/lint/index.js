// The plugins eslint.config.js uses, imported from here so that they resolve next to TypeScript 6 (README.md).
export { default as js } from '@eslint/js';
export { default as stylistic } from '@stylistic/eslint-plugin';
export { default as tseslint } from 'typescript-eslint';
export { default as globals } from 'globals';
export { importX } from 'eslint-plugin-import-x';
