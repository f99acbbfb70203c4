// Profile: the summary and structured fields built from your memories, when they were last rebuilt,
// and a button to rebuild them now.

import { ApiError, Stale, request, userPath } from "./api.js";
import { $, announce, busy, clear, h, timeEl } from "./dom.js";

const FIELDS = [
  ["interests", "Interests"],
  ["dislikes", "Dislikes"],
  ["facts", "Facts"],
];

function render(profile) {
  $("#profile-summary").textContent = profile.summary;
  clear($("#profile-when")).append("Last rebuilt ", timeEl(profile.updated_at), ` · from ${profile.memory_count} memories`);
  const fields = clear($("#profile-fields"));
  for (const [name, label] of FIELDS) {
    const values = profile[name] || [];
    fields.append(
      h(
        "section",
        { class: "field", dataset: { field: name } },
        h("h3", { text: label }),
        values.length ? h("ul", {}, values.map((v) => h("li", { text: v }))) : h("p", { class: "muted small", text: "None yet." }),
      ),
    );
  }
  if (profile.style) fields.append(h("section", { class: "field", dataset: { field: "style" } }, h("h3", { text: "Style" }), h("p", { text: profile.style })));
  $("#profile-body").hidden = false;
  $("#profile-empty").hidden = true;
}

function showEmpty(message) {
  $("#profile-body").hidden = true;
  $("#profile-empty").hidden = false;
  $("#profile-empty").textContent = message;
}

const NOTHING_KNOWN = "Nothing is known about you yet: chat a little or add a memory, then rebuild.";

export async function loadProfile() {
  try {
    render(await request("GET", userPath("profile")));
  } catch (error) {
    if (error instanceof Stale) return;
    if (error instanceof ApiError && error.status === 404) showEmpty(NOTHING_KNOWN);
    else announce(error.message, "error");
  }
}

async function rebuild() {
  try {
    render(await busy($("#profile-rebuild"), "Rebuilding…", () => request("POST", userPath("profile", "rebuild"))));
    announce("Profile rebuilt.");
  } catch (error) {
    if (error instanceof Stale) return;
    if (error instanceof ApiError && error.status === 404) showEmpty(NOTHING_KNOWN);
    else announce(error.message, "error");
  }
}

export function resetProfile() {
  $("#profile-summary").textContent = "";
  clear($("#profile-fields"));
  clear($("#profile-when"));
  $("#profile-body").hidden = true;
  $("#profile-empty").hidden = true;
}

export function initProfile() {
  $("#profile-rebuild").addEventListener("click", rebuild);
}
