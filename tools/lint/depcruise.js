// `npm run check:arch`: dependency-cruiser with TypeScript 6 as its parser (typescript6.js says why).
import './typescript6.js';

// The package exports no ./package.json nor ./bin: find its folder from its main entry point.
const main = import.meta.resolve('dependency-cruiser');
await import(main.slice(0, main.lastIndexOf('/dependency-cruiser/') + '/dependency-cruiser/'.length) + 'bin/dependency-cruiser.mjs');
