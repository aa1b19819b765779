/** The one zod-issue formatter: JSON paths, the list of problems and the one-line forms the routes and the config use. */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { describeIssues, issueList, jsonPath } from "../../src/zod-issues.js";

const schema = z.object({ to: z.string(), nodes: z.record(z.string(), z.object({ title: z.string() })), list: z.array(z.number()) });
const error = schema.safeParse({ to: 1, nodes: { "odd-key": { title: 2 } }, list: ["x"] }).error!;

describe("zod issues", () => {
  it("name the place of each issue as a JSON path", () => {
    expect(jsonPath([])).toBe("$");
    expect(jsonPath(["nodes", "ask", "action", "buttons", 1])).toBe("$.nodes.ask.action.buttons[1]");
    expect(jsonPath(["nodes", "odd-key"])).toBe('$.nodes["odd-key"]');
    expect(issueList(error).map((p) => p.path)).toEqual(["$.to", '$.nodes["odd-key"].title', "$.list[0]"]);
  });

  it("read as one line, with the path, separator, message and number of issues a caller chooses", () => {
    expect(describeIssues(error)).toMatch(/^\$\.to: .+; \$\.nodes\["odd-key"\]\.title: .+; \$\.list\[0\]: .+$/);
    expect(describeIssues(error, { limit: 1 })).not.toContain(";");
    expect(describeIssues(error, { path: (p) => String(p[0]), separator: " ", message: () => "is wrong" })).toBe("to is wrong; nodes is wrong; list is wrong");
  });
});
