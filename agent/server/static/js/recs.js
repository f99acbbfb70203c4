// Recommendations: a request box, results with their reasons, and like/dislike feedback that the
// server records as the user's interactions (so the next ranking learns from it).

import { ApiError, Stale, request, userPath } from "./api.js";
import { $, announce, busy, clear, h } from "./dom.js";

const FEEDBACK = [
  { action: "liked", label: "Like", flip: false },
  { action: "disliked", label: "Dislike", flip: true },
];
const SVG = "http://www.w3.org/2000/svg";
const THUMB = "M7 10v11H4a1 1 0 0 1-1-1v-9a1 1 0 0 1 1-1h3zm2 11h8.3a2 2 0 0 0 2-1.7l1.2-7A2 2 0 0 0 18.5 10H14V6a3 3 0 0 0-3-3l-2 7v11z";

// A thumb drawn in SVG: emoji fonts are not on every machine, and nothing may come from the network.
function thumb(flip) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("class", flip ? "thumb down" : "thumb");
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", THUMB);
  svg.append(path);
  return svg;
}

// Like/dislike buttons for one item; also used under the picks a chat reply shows.
export function feedbackButtons(itemId, title) {
  const note = h("span", { class: "feedback-note muted", "aria-live": "polite" });
  const group = h("div", { class: "feedback", role: "group", "aria-label": `Feedback on ${title}` });
  const buttons = FEEDBACK.map(({ action, label, flip }) =>
    h(
      "button",
      {
        type: "button",
        class: `chip feedback-${action}`,
        "aria-pressed": "false",
        dataset: { action },
        title: `${label} ${title}`,
        onclick: async (event) => {
          const button = event.currentTarget;
          if (button.getAttribute("aria-pressed") === "true") return;
          try {
            await busy(button, null, () => request("POST", userPath("interactions"), { item_id: itemId, action }));
          } catch (error) {
            if (!(error instanceof Stale)) announce(error.message, "error");
            return;
          }
          for (const other of buttons) other.setAttribute("aria-pressed", String(other === button));
          note.textContent = action === "liked" ? "Saved: you like this" : "Saved: not for you";
        },
      },
      thumb(flip),
      label,
    ),
  );
  group.append(...buttons, note);
  return group;
}

function card(pick, rank) {
  const item = pick.item;
  const year = item.year && !item.title.includes(String(item.year)) ? item.year : null;
  const details = [year, (item.genres || []).join(" · ")].filter(Boolean).join(" — ");
  return h(
    "li",
    { class: "card rec", dataset: { itemId: item.id } },
    h("div", { class: "rec-rank", "aria-hidden": "true", text: String(rank) }),
    h(
      "div",
      { class: "rec-body" },
      h("h3", { class: "rec-title", text: item.title }),
      details ? h("p", { class: "muted small", text: details }) : null,
      h("p", { class: "reason" }, h("span", { class: "why", text: "Why: " }), pick.reason),
      pick.evidence && pick.evidence.length
        ? h("ul", { class: "evidence small" }, pick.evidence.slice(0, 3).map((text) => h("li", { text })))
        : null,
      feedbackButtons(item.id, item.title),
    ),
  );
}

export function resetRecs() {
  clear($("#rec-list"));
  $("#rec-empty").hidden = false;
  $("#rec-empty").textContent = "Ask for something, or just press Recommend.";
}

async function recommend(event) {
  event.preventDefault();
  const query = $("#rec-query").value.trim();
  const k = Number($("#rec-k").value);
  const list = $("#rec-list");
  try {
    const result = await busy($("#rec-go"), "Finding…", () =>
      request("POST", userPath("recommendations"), { query: query || null, k }),
    );
    clear(list);
    result.data.forEach((pick, index) => list.append(card(pick, index + 1)));
    list.dataset.answered = String(Number(list.dataset.answered || 0) + 1);
    $("#rec-empty").hidden = result.data.length > 0;
    $("#rec-empty").textContent = "Nothing left to recommend with these constraints.";
  } catch (error) {
    if (error instanceof Stale) return;
    clear(list);
    const missing = error instanceof ApiError && error.param === "catalog";
    $("#rec-empty").hidden = false;
    $("#rec-empty").textContent = missing
      ? "No catalog is loaded yet. Load one with: rapport catalog load PATH"
      : error.message;
  }
}

export function initRecs() {
  $("#rec-form").addEventListener("submit", recommend);
}
