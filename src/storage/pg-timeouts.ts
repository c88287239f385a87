import type { GatehouseConfig } from '../config.ts';

/**
 * The pg pool options that bound every wait on PostgreSQL (a database that accepts connections but never answers
 * must not hang a request; the error handler answers 503 + Retry-After): opening a connection or getting one from
 * the pool (`connectionTimeoutMillis`), each statement's answer (`query_timeout`, our side; `statement_timeout`,
 * the server stops work nobody waits for any more), and a transaction whose client vanished gives its row locks
 * back (`idle_in_transaction_session_timeout`). `bounded: false` (migrations) keeps only the connection bound:
 * a migration may rightly run for minutes.
 */
export async function pgTimeouts(database: GatehouseConfig['database'], bounded = true): Promise<Record<string, unknown>> {
  const { connectTimeoutMs, queryTimeoutMs } = database;
  const statements = bounded
    ? { query_timeout: queryTimeoutMs, statement_timeout: queryTimeoutMs, idle_in_transaction_session_timeout: 3 * queryTimeoutMs }
    : {};
  return { connectionTimeoutMillis: connectTimeoutMs, keepAlive: true, Client: await boundedClient(), ...statements };
}

/**
 * pg's `query_timeout` rejects the caller but keeps the connection waiting for the late answer, and the pool hands
 * that connection out again: every later query on it would queue behind one that may never be answered. This
 * client drops its connection instead, so the pool discards it (pg-pool's own test, `_queryable`, on release).
 */
async function boundedClient() {
  const { Client } = (await import('pg')).default;
  return class BoundedClient extends Client {
    override query(...args: unknown[]): never {
      const result = (super.query as (...a: unknown[]) => unknown)(...args);
      if (result instanceof Promise) {
        result.catch((e: Error) => {
          if (e?.message !== 'Query read timeout') return;
          (this as unknown as { _queryable: boolean })._queryable = false;
          (this as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
        });
      }
      return result as never;
    }
  };
}
