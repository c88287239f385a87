import { p } from '@mikro-orm/core';

// Times are epoch milliseconds in BIGINT columns: the same representation on SQLite and PostgreSQL,
// so hot-path SQL compares plain numbers and never depends on a dialect's date handling.
export const epochMs = () => p.bigint('number');
export const createdAt = () => p.bigint('number').onCreate(() => Date.now());
