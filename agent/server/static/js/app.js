// The page: who is using it (a picker on a keyless laptop server or for the admin key, else the user's key), the tabs, and "forget me".

import { ApiError, Stale, dropKey, endSession, keepKey, request, session, startSession, userPath } from "./api.js";
import { initChat, loadChat, resetChat } from "./chat.js";
import { $, announce, busy, clear, confirmAction, h } from "./dom.js";
import { initMemories, loadMemories, resetMemories } from "./memories.js";
import { initProfile, loadProfile, resetProfile } from "./profile.js";
import { initRecs, resetRecs } from "./recs.js";

const TABS = {
  chat: null,
  memories: loadMemories,
  profile: loadProfile,
  recs: null,
};

let needsKey = false;
let signedIn = null; // what /v1/me said of the accepted key: {user, admin}

function selectTab(name, { focus = false } = {}) {
  for (const tab of document.querySelectorAll('[role="tab"]')) {
    const selected = tab.id === `tab-${name}`;
    tab.setAttribute("aria-selected", String(selected));
    tab.tabIndex = selected ? 0 : -1;
    $(`#${tab.getAttribute("aria-controls")}`).hidden = !selected;
    if (selected && focus) tab.focus();
  }
  document.body.dataset.tab = name;
  if (TABS[name]) TABS[name]();
  if (focus) return; // moved with the arrow keys: the focus stays in the tab list
  if (name === "chat") $("#message").focus();
  if (name === "recs") $("#rec-query").focus();
}

function initTabs() {
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  tabs.forEach((tab, index) => {
    tab.addEventListener("click", () => selectTab(tab.id.slice(4)));
    tab.addEventListener("keydown", (event) => {
      const moves = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: tabs.length - 1 };
      if (!(event.key in moves)) return;
      event.preventDefault();
      const next = tabs[(moves[event.key] + tabs.length) % tabs.length];
      selectTab(next.id.slice(4), { focus: true });
    });
  });
}

function resetViews() {
  $("#status").hidden = true;
  $("#status").textContent = "";
  clear($("#user-list"));
  resetChat();
  resetMemories();
  resetProfile();
  resetRecs();
}

async function showGate(message = "") {
  endSession();
  resetViews();
  $("#app").hidden = true;
  $("#gate").hidden = false;
  $("#gate-error").textContent = message;
  const picker = !needsKey || Boolean(signedIn && signedIn.admin);
  $("#gate-key").hidden = picker;
  $("#gate-open").hidden = !picker;
  if (!picker) {
    dropKey(); // a user key is one person's: switching user or leaving asks for a key again
    signedIn = null;
    $("#api-key").value = "";
    $("#api-key").focus();
    return;
  }
  const list = clear($("#user-list"));
  try {
    const users = (await request("GET", "/v1/users")).data;
    for (const user of users) {
      list.append(
        h("li", {}, h("button", { type: "button", class: "user-choice", dataset: { user: user.id }, onclick: () => enter(user.id) },
          h("span", { class: "avatar", "aria-hidden": "true", text: user.id.slice(0, 1).toUpperCase() }),
          h("span", { text: user.id }))),
      );
    }
    if (!users.length) list.append(h("li", { class: "muted small", text: "Nobody yet: start as a new user." }));
  } catch (error) {
    if (!(error instanceof Stale)) $("#gate-error").textContent = error.message;
  }
  (list.querySelector("button") || $("#new-user")).focus();
}

// A key alone signs in: /v1/me says whose it is (a user key enters as its user) or that it is the admin key.
async function signIn(key, remembered = null) {
  startSession(null, key);
  try {
    signedIn = await request("GET", "/v1/me");
  } catch (error) {
    if (error instanceof Stale) return;
    signedIn = null;
    const wrongKey = error instanceof ApiError && error.status === 401;
    if (wrongKey) dropKey();
    await showGate(wrongKey ? "That API key is not right." : error.message);
    return;
  }
  keepKey();
  if (signedIn.user) await enter(signedIn.user);
  else if (remembered) await enter(remembered);
  else await showGate();
}

async function enter(user, key = session.key) {
  user = user.trim();
  if (!user) return;
  startSession(user, key);
  try {
    await request("GET", userPath("threads")); // checks the key and the user id before showing anything
  } catch (error) {
    if (error instanceof Stale) return;
    const wrongKey = error instanceof ApiError && error.status === 401;
    if (wrongKey) {
      dropKey();
      signedIn = null;
    }
    await showGate(wrongKey ? "That API key is not right." : error.message);
    return;
  }
  keepKey();
  localStorage.setItem("rapport.user", user);
  clear($("#user-list")); // the picker's names are not part of this user's page
  $("#gate").hidden = true;
  $("#app").hidden = false;
  $("#who-name").textContent = user;
  $("#avatar").textContent = user.slice(0, 1).toUpperCase();
  document.title = `Rapport · ${user}`;
  selectTab("chat");
  await loadChat();
}

async function forgetMe(event) {
  const user = session.user;
  const ok = await confirmAction({
    title: `Forget ${user}?`,
    text: `This erases every memory, the profile and all conversations of ${user}. It cannot be undone.`,
    confirm: "Erase everything",
  });
  if (!ok) return;
  try {
    const result = await busy(event.target, "Erasing…", () => request("DELETE", userPath("memories")));
    localStorage.removeItem("rapport.user");
    await showGate();
    announce(`Everything about ${user} was erased (${result.deleted} memories).`);
  } catch (error) {
    if (!(error instanceof Stale)) announce(error.message, "error");
  }
}

async function boot() {
  initTabs();
  initChat();
  initMemories();
  initProfile();
  initRecs();
  $("#switch-user").addEventListener("click", () => showGate());
  $("#forget-me").addEventListener("click", forgetMe);
  $("#new-user-form").addEventListener("submit", (event) => {
    event.preventDefault();
    enter($("#new-user").value);
  });
  $("#gate-key").addEventListener("submit", (event) => {
    event.preventDefault();
    signIn($("#api-key").value.trim());
  });
  try {
    await request("GET", "/v1/users", undefined, { anonymous: true });
    needsKey = false;
  } catch (error) {
    needsKey = error instanceof ApiError && error.status === 401;
    if (!needsKey) {
      $("#gate").hidden = false;
      $("#gate-error").textContent = error.message;
      return;
    }
  }
  const remembered = localStorage.getItem("rapport.user");
  if (needsKey && session.key) await signIn(session.key, remembered);
  else if (remembered && !needsKey) await enter(remembered);
  else await showGate();
  document.body.dataset.ready = "true";
}

boot();
