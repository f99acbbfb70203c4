// Memories: what Rapport knows about you. Search (the same hybrid search replies use), filter by
// kind and by status (current, or replaced with the chain of versions), edit, delete, add.

import { Stale, request, userPath } from "./api.js";
import { $, announce, busy, clear, confirmAction, h, timeEl } from "./dom.js";

const LIST_SIZE = 200;

function lineage(memory) {
  if (!memory.lineage) return null;
  const steps = memory.lineage.map((version) =>
    h(
      "li",
      { class: version.id === memory.id ? "this" : "", dataset: { status: version.status } },
      h("span", { class: "version-text", text: version.text }),
      version.status === "active" ? h("span", { class: "badge current", text: "current" }) : null,
    ),
  );
  return h("div", { class: "lineage" }, h("p", { class: "muted small", text: "What replaced what, oldest first:" }), h("ol", {}, steps));
}

function editForm(memory, item) {
  const area = h("textarea", { class: "edit-text", rows: "3", "aria-label": "Memory text" });
  area.value = memory.text;
  const save = h("button", { type: "submit", class: "primary", text: "Save" });
  const cancel = h("button", { type: "button", text: "Cancel", onclick: () => item.replaceWith(memoryCard(memory)) });
  const form = h("form", { class: "edit" }, area, h("div", { class: "actions" }, save, cancel));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const updated = await busy(save, "Saving…", () => request("PATCH", userPath("memories", memory.id), { text: area.value }));
      const card = memoryCard(updated);
      item.replaceWith(card);
      card.querySelector(".edit-button")?.focus();
      announce("Memory updated: the next reply uses the new text.");
    } catch (error) {
      if (!(error instanceof Stale)) announce(error.message, "error");
    }
  });
  area.addEventListener("keydown", (event) => {
    if (event.key === "Escape") cancel.click();
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) form.requestSubmit();
  });
  return form;
}

function memoryCard(memory) {
  const replaced = memory.status === "superseded";
  const item = h("li", { class: `card memory${replaced ? " replaced" : ""}`, dataset: { id: memory.id, status: memory.status } });
  const remove = async (event) => {
    const ok = await confirmAction({ title: "Delete this memory?", text: `“${memory.text}” will be gone for good.`, confirm: "Delete" });
    if (!ok) return;
    try {
      await busy(event.target, "Deleting…", () => request("DELETE", userPath("memories", memory.id)));
      item.remove();
      announce("Memory deleted.");
      updateCount(-1);
    } catch (error) {
      if (!(error instanceof Stale)) announce(error.message, "error");
    }
  };
  const badges = h(
    "div",
    { class: "badges small" },
    h("span", { class: `badge kind-${memory.kind}`, text: memory.kind }),
    replaced ? h("span", { class: "badge replaced", text: "replaced" }) : null,
    timeEl(memory.updated_at),
    memory.source ? h("span", { class: "muted", text: `from ${memory.source}` }) : null,
  );
  const actions = h(
    "div",
    { class: "actions" },
    replaced || memory.kind === "interaction" // an interaction's text is written from the catalog item
      ? null
      : h("button", {
          type: "button",
          class: "edit-button",
          text: "Edit",
          "aria-label": `Edit: ${memory.text}`,
          onclick: () => {
            const form = editForm(memory, item);
            clear(item).append(form);
            form.querySelector("textarea").focus();
          },
        }),
    h("button", { type: "button", class: "danger-quiet delete-button", text: "Delete", "aria-label": `Delete: ${memory.text}`, onclick: remove }),
  );
  item.append(h("p", { class: "memory-text", text: memory.text }), lineage(memory) || "", h("div", { class: "card-foot" }, badges, actions));
  return item;
}

let shownCount = 0;

function updateCount(delta = 0) {
  shownCount += delta;
  const query = $("#memory-query").value.trim();
  $("#memory-count").textContent = query
    ? `${shownCount} best ${shownCount === 1 ? "match" : "matches"} for “${query}”`
    : `${shownCount} ${shownCount === 1 ? "memory" : "memories"}, newest first`;
}

export async function loadMemories() {
  const params = new URLSearchParams({ k: String(LIST_SIZE), status: $("#memory-status").value });
  const query = $("#memory-query").value.trim();
  if (query) params.set("query", query);
  if ($("#memory-kind").value) params.set("kind", $("#memory-kind").value);
  const list = $("#memory-list");
  try {
    const found = (await request("GET", `${userPath("memories")}?${params}`)).data;
    clear(list);
    found.forEach((memory) => list.append(memoryCard(memory)));
    shownCount = found.length;
    updateCount();
    $("#memory-empty").hidden = found.length > 0;
  } catch (error) {
    if (!(error instanceof Stale)) announce(error.message, "error");
  }
}

async function addMemory(event) {
  event.preventDefault();
  const input = $("#memory-new");
  const text = input.value.trim();
  if (!text) return;
  try {
    await busy($("#memory-add-button"), "Adding…", () => request("POST", userPath("memories"), { text }));
    input.value = "";
    announce("Memory added.");
    await loadMemories();
  } catch (error) {
    if (!(error instanceof Stale)) announce(error.message, "error");
  }
}

export function resetMemories() {
  clear($("#memory-list"));
  $("#memory-query").value = "";
  $("#memory-kind").value = "";
  $("#memory-status").value = "current";
  $("#memory-count").textContent = "";
  shownCount = 0;
}

export function initMemories() {
  $("#memory-search").addEventListener("submit", (event) => {
    event.preventDefault();
    loadMemories();
  });
  $("#memory-kind").addEventListener("change", loadMemories);
  $("#memory-status").addEventListener("change", loadMemories);
  $("#memory-add").addEventListener("submit", addMemory);
}
