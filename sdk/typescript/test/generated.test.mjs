// The committed generated types match the committed OpenAPI document.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { OUT, render } from "../scripts/generate.mjs";

test("src/generated/schema.ts matches docs/openapi.json", async () => {
  const committed = await readFile(OUT, "utf8");
  assert.ok(
    committed === (await render()),
    "src/generated/schema.ts is stale: run `npm run generate` in sdk/typescript",
  );
});
