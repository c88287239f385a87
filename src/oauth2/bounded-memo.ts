/**
 * A memo of at most `max` entries, the oldest forgotten first: `(key, make)` computes a key's value once and returns
 * it after. For checks that cost more than a map lookup and are asked again and again of the same input (a client's
 * registered keys), where an attacker's stream of fresh inputs may cost memory only up to `max`.
 */
export function boundedMemo<K, V>(max: number): (key: K, make: () => V) => V {
  const entries = new Map<K, V>();
  return (key, make) => {
    if (entries.has(key)) return entries.get(key)!;
    const value = make();
    entries.set(key, value);
    if (entries.size > max) entries.delete(entries.keys().next().value!);
    return value;
  };
}
