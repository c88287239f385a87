// CLI entry. Node's on-disk compile cache roughly halves start-up (most of it is compiling dependencies), so it
// is turned on before anything else is loaded; the commands themselves live in cli.ts.
//
// This one file is JavaScript on purpose: were it TypeScript, Node would load its type stripper (amaro, a
// WebAssembly module: ~100 ms pinned to one core) to read it before the cache is on. With the cache on first,
// every .ts file after it is served stripped from the cache and amaro is never loaded.
import module from 'node:module';

module.enableCompileCache?.();
await import('./cli.ts');
