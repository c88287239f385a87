#!/usr/bin/env node
// CLI entry (`npm start`, `npm run gatehouse -- <command>`, and the installed package's `gatehouse` bin, built to
// dist/main.js). Node's on-disk compile cache roughly halves start-up (most of it is compiling dependencies), so it
// is turned on before anything else is loaded; the commands themselves live in src/cli/, imported only after it.
//
// From the sources this file is TypeScript, and Node would load its type stripper (amaro, a WebAssembly module:
// ~90 ms of CPU) to read it before `enableCompileCache()` below could run. The npm scripts therefore also set
// NODE_COMPILE_CACHE, which turns the cache on before the entry is read: every .ts file, this one included, is then
// served stripped from the cache and amaro never loads. Measured (median of 11 starts to "serving on", warm cache):
// `node src/main.ts` 490 ms with the variable, 582 ms without; `npm start` 702 ms, the former JavaScript entry
// 701 ms. The call below covers the other ways in: the built dist/main.js (JavaScript, nothing to strip) and
// `node src/main.ts` by hand; when the variable already enabled the cache it is a no-op.
import module from 'node:module';

module.enableCompileCache?.();
const { main } = await import('./cli/run.ts');
main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (err: unknown) => {
  process.stderr.write(`gatehouse: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
