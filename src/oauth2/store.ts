// Storage interfaces the protocol core needs, one file a store under store/. src/storage implements them; the core
// never sees an ORM. This module only assembles them, so every import of oauth2/store.ts stays as it was.
export * from './store/client-record.ts';
export * from './store/client-store.ts';
export * from './store/registration-store.ts';
export * from './store/event-sink.ts';
export * from './store/token-store.ts';
export * from './store/grant-store.ts';
