/**
 * The answer of a `use…()` fixture: mocha registers hooks at describe time, but the value they
 * start only exists once `before` has run. This stand-in may be captured right away; every read
 * goes to the value, and a read before `before` ran fails with the fixture's name.
 */
export function filledLater<T extends object>(
  fixture: string,
  value: () => object | undefined,
  own: object = {},
): T {
  return new Proxy(own as T, {
    get(target, key) {
      if (Reflect.has(target, key)) return Reflect.get(target, key);
      const v = value();
      if (v === undefined) throw new Error(`${fixture}: read before its \`before\` hook ran`);
      return Reflect.get(v, key);
    },
  });
}
