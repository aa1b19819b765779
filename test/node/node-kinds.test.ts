/**
 * Adding a node kind must be a compile error until every place handles it: the exhaustive switches end in
 * `unreachable(x: never)` (type-checked by `npm run typecheck`), and this test pins the kinds in one list.
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import type { Outgoing } from "../../src/flow/types.js";
import type { CompiledNode } from "../../src/menus/compiled.js";
import { NODE_KINDS } from "../../src/menus/nodes.js";
import type { MenuNodeDoc } from "../../src/menus/schema.js";
import { unreachable } from "../../src/unreachable.js";

describe("node kinds", () => {
  it("the list of kinds, the compiled union and the document union agree", () => {
    expectTypeOf<(typeof NODE_KINDS)[number]>().toEqualTypeOf<CompiledNode["kind"]>();
    expectTypeOf<MenuNodeDoc["type"]>().toEqualTypeOf<CompiledNode["kind"]>();
    expectTypeOf<Outgoing["type"]>().toEqualTypeOf<"interactive" | "text" | "template" | "location_request">();
    expect(new Set(NODE_KINDS).size).toBe(NODE_KINDS.length);
  });

  it("an unhandled case fails loudly at run time too", () => {
    expect(() => unreachable("new-kind" as never)).toThrow(/unhandled case/);
  });
});
