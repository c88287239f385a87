/**
 * A Map of at most `max` entries, for memory an attacker's stream of fresh keys could otherwise grow: setting a key
 * makes it the newest, and past `max` the oldest is forgotten (a Map iterates in insertion order).
 */
export class BoundedMap<K, V> extends Map<K, V> {
  readonly #max: number;
  constructor(max: number) { super(); this.#max = max; }

  override set(key: K, value: V): this {
    super.delete(key);
    super.set(key, value);
    if (this.size > this.#max) super.delete(this.keys().next().value!);
    return this;
  }
}

/**
 * A memo of at most `max` entries, the oldest forgotten first: `(key, make)` computes a key's value once and returns
 * it after. For checks that cost more than a map lookup and are asked again and again of the same input (a client's
 * registered keys), where an attacker's stream of fresh inputs may cost memory only up to `max`.
 */
export function boundedMemo<K, V>(max: number): (key: K, make: () => V) => V {
  const entries = new BoundedMap<K, V>(max);
  return (key, make) => {
    if (entries.has(key)) return entries.get(key)!;
    const value = make();
    entries.set(key, value);
    return value;
  };
}
