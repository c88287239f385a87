/**
 * Before the unique index on lower(username) (issue 21): a database from before it may hold usernames that differ
 * only by case (`Frank` and `frank`, made by a race or by hand). The migration refuses rather than guess which
 * account to rename, merge or drop: it names every such group, and applies once the operator has left one of each.
 */
export async function refuseUsernameCaseVariants(execute: (sql: string) => Promise<Record<string, unknown>[]>): Promise<void> {
  const rows = await execute('select id, username from users where lower(username) in (select lower(username) from users group by lower(username) having count(*) > 1) order by lower(username), id');
  if (!rows.length) return;
  const groups = new Map<string, string[]>();
  for (const r of rows) {
    const name = String(r.username);
    groups.set(name.toLowerCase(), [...(groups.get(name.toLowerCase()) ?? []), `${name} (id ${String(r.id)})`]);
  }
  throw new Error(`Usernames must be unique ignoring case, and these users differ only by case: ${[...groups.values()].map((g) => g.join(', ')).join('; ')}. `
    + 'Rename or delete all but one user of each group (for example: update users set username = \'frank2\' where id = 12), then run the migration again.');
}
