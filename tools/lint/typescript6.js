// Makes `typescript` (and `typescript/...`) resolve to this folder's TypeScript 6 for every module of the process
// that loads it (`node --import ./tools/lint/typescript6.js ...`). dependency-cruiser reads TypeScript sources with
// the classic JS compiler API, which TypeScript 7.0 (the project's `tsc`) no longer ships; see README.md.
import { createRequire, registerHooks } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const here = createRequire(import.meta.url);
const main = pathToFileURL(here.resolve('typescript')).href;
const root = dirname(here.resolve('typescript/package.json'));

registerHooks({
  resolve(specifier, context, next) {
    if (specifier === 'typescript') return { url: main, shortCircuit: true };
    if (specifier.startsWith('typescript/')) {
      return { url: pathToFileURL(join(root, specifier.slice('typescript/'.length))).href, shortCircuit: true };
    }
    return next(specifier, context);
  },
});
