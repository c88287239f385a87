// CLI entry. Node's on-disk compile cache roughly halves start-up (most of it is compiling dependencies), so it
// is turned on before anything else is loaded; the commands themselves live in cli.ts.
import module from 'node:module';

module.enableCompileCache?.();
await import('./cli.ts');
