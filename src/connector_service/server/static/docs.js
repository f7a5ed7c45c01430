// A small, dependency-free reader for the service's own OpenAPI document: every operation
// (grouped by tag) with its parameters, body, responses and example, then the webhooks.
// Text goes in through textContent only, so nothing in the document is parsed as HTML.
"use strict";

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
  for (const child of children) {
    node.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

function refName(schema) {
  if (!schema) return "";
  if (schema.$ref) return schema.$ref.split("/").pop();
  if (schema.enum) return schema.enum.join(" | ");
  return schema.type || "any";
}

function operation(id, method, path, op) {
  const section = el("section", { class: "op", id, "data-operation": op.operationId || id });
  section.append(el("h2", {}, el("span", { class: `method ${method}` }, method), " ",
    el("code", { class: "path" }, path)));
  if (op.summary) section.append(el("p", { class: "summary" }, op.summary));
  const params = op.parameters || [];
  if (params.length) {
    const table = el("table", {}, el("tr", {}, el("th", {}, "parameter"), el("th", {}, "in"),
      el("th", {}, "type"), el("th", {}, "description")));
    for (const p of params) {
      table.append(el("tr", {}, el("td", {}, el("code", {}, p.name + (p.required ? " *" : ""))),
        el("td", {}, p.in), el("td", {}, refName(p.schema)), el("td", {}, p.description || "")));
    }
    section.append(table);
  }
  const body = op.requestBody && op.requestBody.content["application/json"];
  if (body) {
    section.append(el("p", {}, `Body${op.requestBody.required ? "" : " (optional)"}: `,
      el("code", {}, refName(body.schema))));
    if (body.example !== undefined) section.append(el("pre", {}, JSON.stringify(body.example, null, 2)));
  }
  const codes = Object.entries(op.responses || {});
  section.append(el("p", {}, "Responses: ", codes.map(([code, r]) => {
    const media = r.content && r.content["application/json"];
    return `${code}${media ? " " + refName(media.schema) : ""}`;
  }).join(", ")));
  return section;
}

async function main() {
  const main = document.getElementById("operations");
  const toc = document.getElementById("toc");
  const doc = await (await fetch("/openapi.json")).json();
  document.getElementById("title").textContent = `${doc.info.title} ${doc.info.version}`;
  document.getElementById("intro").textContent = doc.info.description || "";
  main.textContent = "";
  const groups = new Map();
  const add = (tag, item) => { if (!groups.has(tag)) groups.set(tag, []); groups.get(tag).push(item); };
  for (const [path, item] of Object.entries(doc.paths || {})) {
    for (const [method, op] of Object.entries(item)) add((op.tags || ["other"])[0], [method, path, op]);
  }
  for (const [name, item] of Object.entries(doc.webhooks || {})) {
    for (const [method, op] of Object.entries(item)) add("webhooks (sent to you)", [method, name, op]);
  }
  let n = 0;
  for (const [tag, ops] of groups) {
    toc.append(el("h3", {}, tag));
    main.append(el("h2", { class: "tag" }, tag));
    for (const [method, path, op] of ops) {
      const id = `op-${n++}`;
      toc.append(el("a", { href: `#${id}` }, `${method.toUpperCase()} ${path}`));
      main.append(operation(id, method, path, op));
    }
  }
  document.body.setAttribute("data-ready", String(n));
}

main().catch((err) => {
  document.getElementById("operations").textContent = `Could not load /openapi.json: ${err}`;
});
