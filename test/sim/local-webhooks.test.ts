/** Under npm start, a menu's webhooks to a documentation host reach the local receiver; the files stay as they deploy. */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { isPlaceholderHost, pointWebhooksAt } from "../../scripts/dev/local-webhooks.js";
import { checkMenuFile } from "../../scripts/dev/seed-menus.js";
import { checkMenu } from "../../src/menus/compile.js";

const RECEIVER = "http://127.0.0.1:8789";

const menu = (webhook: string, coffee = webhook) => ({
  id: "order",
  start: "ask",
  nodes: {
    ask: {
      type: "question",
      text: "Tea or coffee?",
      options: [
        { id: "tea", title: "Tea", next: { text: "One tea.", webhook } },
        { id: "coffee", title: "Coffee", next: "done" },
      ],
    },
    done: { type: "text", text: "One coffee.", webhook: coffee },
  },
  settings: { fallback: { text: "Sorry.", webhook } },
});

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe("webhooks to a placeholder host", () => {
  it("are the reserved documentation names only", () => {
    for (const host of ["example.com", "EXAMPLE.org", "hooks.example.net", "shop.example", "example.com."]) expect(isPlaceholderHost(host), host).toBe(true);
    for (const host of ["example.co.uk", "myexample.com", "hooks.test", "example.com.evil.io", "api.shop.io"]) expect(isPlaceholderHost(host), host).toBe(false);
  });

  it("point at the local receiver wherever the menu names one, path and query kept; other hosts stay", () => {
    const { doc, rewritten } = pointWebhooksAt(menu("https://example.com/hooks/orders?shop=7", "https://shop.example/coffee"), RECEIVER);
    expect(rewritten).toBe(3);
    expect(doc).toEqual({
      ...menu("x"),
      nodes: {
        ask: { ...menu("x").nodes.ask, options: [{ ...menu("x").nodes.ask.options[0], next: { text: "One tea.", webhook: `${RECEIVER}/hooks/orders?shop=7` } }, menu("x").nodes.ask.options[1]] },
        done: { type: "text", text: "One coffee.", webhook: `${RECEIVER}/coffee` },
      },
      settings: { fallback: { text: "Sorry.", webhook: `${RECEIVER}/hooks/orders?shop=7` } },
    });
    expect(checkMenu(doc, { allowLocalWebhooks: true }).errors).toEqual([]);

    const real = menu("https://hooks.shop.io/orders");
    expect(pointWebhooksAt(real, RECEIVER)).toEqual({ doc: real, rewritten: 0 });
  });

  it("are deployable as written; a file naming this machine is taken locally with a warning that a deployed worker refuses it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "wa-menu-hooks-"));
    dirs.push(dir);
    await writeFile(join(dir, "placeholder.json"), JSON.stringify(menu("https://example.com/hooks")));
    expect(await checkMenuFile(join(dir, "placeholder.json"))).toMatchObject({ menu: { id: "order" }, problems: [], warnings: [] });

    await writeFile(join(dir, "local.json"), JSON.stringify(menu("http://127.0.0.1:8789/hooks")));
    const local = await checkMenuFile(join(dir, "local.json"));
    expect(local.menu?.id).toBe("order");
    expect(local.problems).toEqual([]);
    expect(local.warnings).toHaveLength(3);
    expect(local.warnings).toContainEqual(
      expect.stringMatching(
        /local\.json \$\.nodes\.ask\.options\[0\]\.next\.webhook: a deployed worker refuses this \(.*https.*\); under npm start, https:\/\/example\.com\/<path> reaches the local receiver$/,
      ),
    );
  });
});
