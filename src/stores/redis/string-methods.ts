/**
 * Undoes a slowdown that importing node-redis brings into the whole process, on Node 20's V8.
 *
 * node-redis declares `class VerbatimString extends String`. A class that extends String makes
 * String.prototype the prototype of another object, and V8 then holds String.prototype in
 * dictionary mode ("setup mode") until an inline cache looks a property up through it from an
 * ordinary object. Strings are primitives, so the lookups of string methods never do that, and
 * it stays in dictionary mode. Optimized code then loads every string method (`charCodeAt`,
 * `slice`, `indexOf`...) through a generic inline cache instead of a constant: in a profile of
 * the benchmark's node-redis server, 3.5% of its CPU went there (bench/NOTES.md).
 *
 * This does that lookup: an object whose prototype is String.prototype, read through one
 * inline cache often enough for V8 to have given it feedback (ten times on Node 20). Making
 * that object alone would do the harm (any `Object.create(String.prototype)` does; the same
 * V8 behaviour is reported in inikulin/parse5#1348): the reads are what undo it. Nothing
 * observable changes: no property is added, changed or removed. A later `extends String`
 * anywhere in the process undoes it again.
 */
export function restoreFastStringMethods(): void {
  const probe = Object.create(String.prototype) as object;
  for (let i = 0; i < 100; i++) methodOf(probe);
}

function methodOf(probe: object): unknown {
  return (probe as { charCodeAt?: unknown }).charCodeAt;
}
