// Chat: threads on the side, the conversation, and beside each reply what it was built from
// (the memories it recalled, the tools it called, the picks with their reasons).

import { ApiError, Stale, request, session, streamChat, userPath } from "./api.js";
import { $, announce, clear, h, timeEl } from "./dom.js";
import { feedbackButtons } from "./recs.js";

const TOOL_NAMES = {
  search_memory: "Searched your memories",
  remember: "Remembered",
  update_preference: "Updated a preference",
  forget_memory: "Forgot a memory",
  recommend: "Recommended",
  search_catalog: "Searched the catalog",
  record_interaction: "Recorded what you did",
  profile_vote: "Checked your profile",
};

// `opening` counts thread loads and sends: a load that finishes after the person already sent a message
// in the meantime must not wipe that exchange off the screen.
const chat = { threadId: "default", streaming: false, opening: 0 };

function newThreadId() {
  const stamp = new Date().toISOString().slice(0, 19).replace(/[-:T]/g, "");
  return `t-${stamp}-${Math.random().toString(36).slice(2, 6)}`;
}

function seconds(value) {
  return `${Number(value).toFixed(2)} s`;
}

function recalledBlock(memories) {
  const count = memories.length;
  const label = count === 0 ? "No memories recalled" : `Recalled ${count} ${count === 1 ? "memory" : "memories"}`;
  return h(
    "details",
    { class: "recalled", open: count > 0 && count <= 3 },
    h("summary", { text: label }),
    count
      ? h(
          "ol",
          {},
          memories.map((m) =>
            h("li", { dataset: { id: m.id } }, h("span", { class: `badge kind-${m.kind}`, text: m.kind }), " ", m.text),
          ),
        )
      : h("p", { class: "muted small", text: "Nothing stored about you matched this message." }),
  );
}

function resultLines(tool) {
  const result = tool.result;
  if (tool.name === "recommend" && Array.isArray(result)) {
    return h(
      "ol",
      { class: "picks" },
      result.map((pick) =>
        h(
          "li",
          {},
          h("strong", { text: pick.title }),
          h("span", { class: "reason", text: pick.reason }),
          feedbackButtons(pick.item_id, pick.title),
        ),
      ),
    );
  }
  if (Array.isArray(result)) {
    if (!result.length) return h("p", { class: "muted small", text: "No results." });
    return h("ul", { class: "small" }, result.slice(0, 8).map((r) => h("li", { text: r.text || r.title || JSON.stringify(r) })));
  }
  if (result && typeof result === "object") {
    const lines = Object.entries(result).filter(([, v]) => v !== "" && v !== null);
    return h("ul", { class: "small" }, lines.map(([k, v]) => h("li", {}, h("span", { class: "muted", text: `${k}: ` }), String(v))));
  }
  return h("p", { class: "small", text: String(result ?? "") });
}

function toolBlock(tool) {
  const query = tool.arguments && (tool.arguments.query || tool.arguments.text);
  return h(
    "details",
    { class: `tool${tool.error ? " failed" : ""}`, open: tool.name === "recommend" },
    h(
      "summary",
      {},
      h("span", { class: "tool-name", text: TOOL_NAMES[tool.name] || tool.name }),
      query ? h("span", { class: "muted", text: ` “${query}”` }) : null,
    ),
    tool.error ? h("p", { class: "error small", text: tool.error }) : resultLines(tool),
  );
}

function userBubble(text) {
  return h("article", { class: "msg user" }, h("div", { class: "bubble", text }));
}

function assistantBubble() {
  const text = h("div", { class: "text" });
  const meta = h("div", { class: "meta muted small" });
  const side = h("aside", { class: "context", "aria-label": "What this reply used" });
  const node = h(
    "article",
    { class: "msg assistant", dataset: { state: "waiting", tokens: "0" } },
    h("div", { class: "bubble" }, h("span", { class: "typing", "aria-label": "Rapport is writing" }, h("i"), h("i"), h("i")), text, meta),
    side,
  );
  return { node, text, meta, side };
}

function renderTurn(turn) {
  const box = $("#messages");
  box.append(userBubble(turn.message));
  const reply = assistantBubble();
  reply.node.dataset.state = "done";
  reply.text.textContent = turn.reply;
  reply.side.append(recalledBlock(turn.recalled), ...turn.tool_calls.map(toolBlock));
  const parts = [];
  if (turn.timings.first_token_s !== undefined) parts.push(`first word ${seconds(turn.timings.first_token_s)}`);
  if (turn.at) reply.meta.append(timeEl(turn.at), parts.length ? ` · ${parts.join(" · ")}` : "");
  box.append(reply.node);
}

function emptyState() {
  return h(
    "div",
    { class: "empty", id: "chat-empty" },
    h("h2", { text: `Hi ${session.user}!` }),
    h("p", { text: "Tell me about yourself, ask what I remember, or ask for a recommendation." }),
  );
}

async function openThread(threadId) {
  chat.threadId = threadId;
  const opening = ++chat.opening;
  const box = clear($("#messages"));
  markCurrentThread();
  try {
    const thread = await request("GET", userPath("threads", threadId));
    if (opening !== chat.opening) return;
    clear(box);
    if (!thread.turns.length) box.append(emptyState());
    thread.turns.forEach(renderTurn);
    box.scrollTop = box.scrollHeight;
  } catch (error) {
    if (!(error instanceof Stale)) announce(error.message, "error");
  }
}

function markCurrentThread() {
  for (const item of document.querySelectorAll("#thread-list button")) {
    const current = item.dataset.thread === chat.threadId;
    item.classList.toggle("current", current);
    if (current) item.setAttribute("aria-current", "true");
    else item.removeAttribute("aria-current");
  }
}

async function loadThreads({ open = false } = {}) {
  const list = $("#thread-list");
  const opening = chat.opening;
  let threads;
  try {
    threads = (await request("GET", userPath("threads"))).data;
  } catch (error) {
    if (!(error instanceof Stale)) announce(error.message, "error");
    return;
  }
  if (opening !== chat.opening) open = false; // a message was sent meanwhile: stay in its thread
  clear(list);
  const shown = threads.some((t) => t.id === chat.threadId) || open ? threads : [{ id: chat.threadId, title: "New thread", turns: 0 }, ...threads];
  for (const thread of shown) {
    list.append(
      h(
        "li",
        {},
        h(
          "button",
          { type: "button", class: "thread", dataset: { thread: thread.id }, onclick: () => !chat.streaming && openThread(thread.id) },
          h("span", { class: "thread-title", text: thread.title || thread.id }),
          h("span", { class: "muted small" }, thread.updated_at ? timeEl(thread.updated_at) : "not started", thread.turns ? ` · ${thread.turns} ${thread.turns === 1 ? "turn" : "turns"}` : ""),
        ),
      ),
    );
  }
  if (open) await openThread(threads.length ? threads[0].id : "default");
  else markCurrentThread();
}

async function send(event) {
  event.preventDefault();
  const input = $("#message");
  const message = input.value.trim();
  if (!message || chat.streaming) return;
  chat.streaming = true;
  chat.opening += 1;
  $("#send").disabled = true;
  input.value = "";
  const box = $("#messages");
  $("#chat-empty")?.remove();
  box.append(userBubble(message));
  const reply = assistantBubble();
  box.append(reply.node);
  box.scrollTop = box.scrollHeight;
  const started = performance.now();
  let tokens = 0;
  const epoch = session.epoch;
  try {
    await streamChat(message, chat.threadId, (ev) => {
      if (ev.type === "open") reply.node.dataset.responseMs = (performance.now() - started).toFixed(1);
      else if (ev.type === "recalled") reply.side.prepend(recalledBlock(ev.memories));
      else if (ev.type === "tool") reply.side.append(toolBlock(ev.tool));
      else if (ev.type === "token") {
        tokens += 1;
        reply.text.append(ev.text);
        reply.node.dataset.tokens = String(tokens);
        if (tokens === 1) {
          reply.node.dataset.state = "streaming";
          reply.node.dataset.firstTokenDomMs = (performance.now() - started).toFixed(1);
          requestAnimationFrame(() => (reply.node.dataset.firstTokenMs = (performance.now() - started).toFixed(1)));
        }
        if (box.scrollHeight - box.scrollTop - box.clientHeight < 120) box.scrollTop = box.scrollHeight;
      } else if (ev.type === "done") {
        const t = ev.timings;
        reply.node.dataset.state = "done";
        reply.node.dataset.totalMs = (performance.now() - started).toFixed(1);
        if (t.first_token_s !== undefined) reply.node.dataset.serverFirstTokenMs = (t.first_token_s * 1000).toFixed(1);
        if (t.recall_s !== undefined) reply.node.dataset.serverRecallMs = (t.recall_s * 1000).toFixed(1);
        const shown = Number(reply.node.dataset.firstTokenMs || reply.node.dataset.firstTokenDomMs) / 1000;
        reply.meta.textContent = `first word ${seconds(shown)} · whole reply ${seconds(Number(reply.node.dataset.totalMs) / 1000)}`;
      }
    });
    if (reply.node.dataset.state !== "done") reply.node.dataset.state = "done";
  } catch (error) {
    if (error instanceof Stale) return;
    reply.node.dataset.state = "error";
    reply.text.append(h("span", { class: "error", text: error instanceof ApiError ? error.message : String(error) }));
  } finally {
    if (epoch === session.epoch) {
      chat.streaming = false;
      $("#send").disabled = false;
      input.focus();
    }
  }
  if (epoch === session.epoch) loadThreads();
}

export function resetChat() {
  chat.threadId = "default";
  chat.streaming = false;
  $("#send").disabled = false;
  clear($("#messages"));
  clear($("#thread-list"));
}

export async function loadChat() {
  await loadThreads({ open: true });
}

export function initChat() {
  $("#composer").addEventListener("submit", send);
  $("#message").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("#composer").requestSubmit();
    }
  });
  $("#new-thread").addEventListener("click", () => {
    if (chat.streaming) return;
    chat.threadId = newThreadId();
    clear($("#messages")).append(emptyState());
    loadThreads();
    $("#message").focus();
  });
}
