"""The page in a real browser (headless Debian Chromium through Playwright) against a real server.

The chat model is the scripted one (its words stream with a short pause, so the page can be seen
filling in); ``test_serve_embedded.py`` runs the page against `rapport serve` with the embedded model.
Screenshots go to each test's tmp folder (``screenshots/``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from agent import Assistant
from agent.server import create_app
from tests.live_server import live_server

from .support import WATCH_REPLY, Shots, api, enter_as, expect, memory_texts, new_page, open_assistant, send

KEY = "page-key-0123456789"


@pytest.fixture
def assistant(request: pytest.FixtureRequest, tmp_path, embedder) -> Iterator[Assistant]:
    options = getattr(request, "param", {})
    opened = open_assistant(tmp_path, token_delay_s=0.03, **options)
    yield opened
    opened.close()


@pytest.fixture
def base_url(assistant: Assistant) -> Iterator[str]:
    with live_server(create_app(assistant)) as url:
        yield url


@pytest.fixture
def page(browser: Any, base_url: str) -> Iterator[Any]:
    context, opened, problems = new_page(browser)
    opened.goto(base_url)
    yield opened
    context.close()
    assert problems == []


# -- chat ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("assistant", [{"supports_tools": True}], indirect=True)  # replies stream as written
def test_a_reply_streams_in_with_its_recalled_memories(
    page: Any, assistant: Assistant, base_url: str, shots: Shots
) -> None:
    assistant.remember("alice", "My sister Anna lives in Lisbon")
    assistant.remember("alice", "I love jazz and old soul records")
    page.reload()
    enter_as(page, "alice")
    expect(page.locator("#chat-empty")).to_contain_text("Hi alice")
    shots(page, "chat-empty")
    page.evaluate(WATCH_REPLY)
    reply = send(page, "Tell me something nice about my sister in Lisbon")

    final = reply.locator(".text").text_content()
    (turn,) = api(base_url, "GET", "/v1/users/alice/threads/default").json()["turns"]
    assert final == turn["reply"] and final.strip()
    seen = [text for text in dict.fromkeys(page.evaluate("window.__seen")) if text]
    assert len(seen) >= 4, seen  # the words arrived one after another, not all at once
    assert all(final.startswith(text) for text in seen) and seen[-1] == final
    assert int(reply.get_attribute("data-tokens")) >= 5
    shown_ms = float(reply.get_attribute("data-first-token-ms"))
    server_ms = float(reply.get_attribute("data-server-first-token-ms"))
    assert shown_ms >= server_ms > 0  # the page cannot show a token before the server had it
    expect(reply.locator(".meta")).to_contain_text("first word")

    recalled = reply.locator("details.recalled")
    expect(recalled.locator("summary")).to_have_text("Recalled 2 memories")
    expect(recalled.locator("li").first).to_contain_text("My sister Anna lives in Lisbon")
    expect(recalled).to_have_attribute("open", "")
    recalled.locator("summary").click()  # expandable: it folds away and opens again
    expect(recalled.locator("li").first).to_be_hidden()
    recalled.locator("summary").click()
    expect(recalled.locator("li").first).to_be_visible()
    expect(page.locator("#thread-list .thread.current")).to_contain_text("Tell me something nice")
    shots(page, "chat-reply")


def test_threads_are_listed_switchable_and_new_ones_start_empty(page: Any, base_url: str, shots: Shots) -> None:
    enter_as(page, "tom")
    send(page, "Hello, I am planning a trip to Lisbon")
    page.click("#new-thread")
    expect(page.locator("#chat-empty")).to_be_visible()
    expect(page.locator(".msg")).to_have_count(0)
    send(page, "Second thread about cooking pasta")
    threads = page.locator("#thread-list .thread")
    expect(threads).to_have_count(2)
    expect(threads.first).to_contain_text("Second thread about cooking pasta")  # newest first

    page.locator("#thread-list .thread", has_text="planning a trip").click()
    expect(page.locator(".msg.user")).to_have_text(["Hello, I am planning a trip to Lisbon"])
    first_turn = api(base_url, "GET", "/v1/users/tom/threads/default").json()["turns"][0]
    expect(page.locator(".msg.assistant .text")).to_have_text([first_turn["reply"]])
    expect(page.locator(".msg.assistant details.recalled")).to_have_count(1)  # rebuilt from the checkpoints
    send(page, "And what about Porto?")
    turns = api(base_url, "GET", "/v1/users/tom/threads/default").json()["turns"]
    assert [t["message"] for t in turns] == ["Hello, I am planning a trip to Lisbon", "And what about Porto?"]
    shots(page, "threads")


# -- memories -----------------------------------------------------------------------------------------------


def test_memories_can_be_searched_filtered_edited_deleted_and_added(
    page: Any, assistant: Assistant, base_url: str, shots: Shots
) -> None:
    store = assistant.store
    paris = store.add("alice", "I live in Paris", kind="fact")
    berlin = store.supersede("alice", paris.id, "I moved to Berlin")
    store.add("alice", "I love spicy Thai food", kind="preference")
    rex = store.add("alice", "My dog is called Rex", kind="fact")
    store.add("bob", "Bob's secret: he hates Mondays", kind="preference")
    page.reload()
    enter_as(page, "alice")
    page.click("#tab-memories")
    cards = page.locator("#memory-list .card")
    expect(cards).to_have_count(3)
    expect(page.locator("#memory-list")).not_to_contain_text("Bob's secret")
    expect(page.locator(f'.card[data-id="{berlin.id}"] .lineage')).to_contain_text("I live in Paris")
    shots(page, "memories")

    page.select_option("#memory-status", "replaced")
    expect(cards).to_have_count(1)
    replaced = cards.first
    expect(replaced.locator(".memory-text")).to_have_text("I live in Paris")
    expect(replaced.locator(".lineage li .version-text")).to_have_text(["I live in Paris", "I moved to Berlin"])
    expect(replaced.locator(".lineage li").last.locator(".badge")).to_have_text("current")
    shots(page, "memories-replaced")
    page.select_option("#memory-status", "current")
    page.select_option("#memory-kind", "preference")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("I love spicy Thai food")
    page.select_option("#memory-kind", "")
    page.fill("#memory-query", "which city did I move to")
    page.press("#memory-query", "Enter")
    expect(cards.first).to_contain_text("I moved to Berlin")  # not the newest: the best match
    expect(page.locator("#memory-count")).to_contain_text("best")
    page.fill("#memory-query", "")
    page.press("#memory-query", "Enter")
    expect(cards).to_have_count(3)

    # edit: the text changes in the store and in the next reply
    card = page.locator(f'.card[data-id="{rex.id}"]')
    card.locator(".edit-button").click()
    card.locator("textarea").fill("My dog is called Bruno")
    card.locator("button", has_text="Save").click()
    expect(page.locator(f'.card[data-id="{rex.id}"] .memory-text')).to_have_text("My dog is called Bruno")
    assert store.get("alice", rex.id).text == "My dog is called Bruno"

    # delete, after a confirmation; gone from the API too
    spicy = page.locator(".card", has_text="I love spicy Thai food")
    spicy_id = spicy.get_attribute("data-id")
    spicy.locator(".delete-button").click()
    expect(page.locator("#confirm")).to_be_visible()
    shots(page, "memory-delete-confirm")
    page.click("#confirm-ok")
    expect(page.locator(f'.card[data-id="{spicy_id}"]')).to_have_count(0)
    assert "I love spicy Thai food" not in memory_texts(base_url, "alice", status="all")
    assert api(base_url, "GET", f"/v1/users/alice/memories/{spicy_id}").status_code == 404

    # add
    page.fill("#memory-new", "I am allergic to peanuts")
    page.press("#memory-new", "Enter")
    expect(page.locator("#memory-list")).to_contain_text("I am allergic to peanuts")
    assert "I am allergic to peanuts" in memory_texts(base_url, "alice")

    page.click("#tab-chat")
    reply = send(page, "What is my dog called?")
    expect(reply.locator("details.recalled")).to_contain_text("My dog is called Bruno")
    expect(reply.locator("details.recalled")).not_to_contain_text("Rex")


# -- profile ----------------------------------------------------------------------------------------------------


def test_profile_shows_when_it_was_rebuilt_and_rebuilds_on_request(
    page: Any, assistant: Assistant, base_url: str, shots: Shots
) -> None:
    enter_as(page, "nina")
    page.click("#tab-profile")
    expect(page.locator("#profile-empty")).to_contain_text("Nothing is known about you yet")
    assistant.remember("nina", "I love hiking in the Alps")
    assistant.remember("nina", "I work as a nurse in Zurich")
    page.click("#profile-rebuild")
    expect(page.locator("#profile-summary")).to_contain_text("hiking in the Alps")
    expect(page.locator("#profile-when")).to_contain_text("Last rebuilt")
    expect(page.locator("#profile-when")).to_contain_text("from 2 memories")
    first = api(base_url, "GET", "/v1/users/nina/profile").json()
    assert page.locator("#profile-when time").get_attribute("datetime") == first["updated_at"]

    assistant.remember("nina", "I have two cats called Tim and Tom")
    page.click("#profile-rebuild")
    expect(page.locator("#profile-summary")).to_contain_text("two cats")
    second = api(base_url, "GET", "/v1/users/nina/profile").json()
    assert second["updated_at"] > first["updated_at"]
    expect(page.locator("#profile-when time")).to_have_attribute("datetime", second["updated_at"])
    expect(page.locator('.field[data-field="facts"]')).to_contain_text("nurse in Zurich")
    shots(page, "profile")


# -- recommendations -------------------------------------------------------------------------------------------


def test_recommendations_with_reasons_and_feedback(page: Any, base_url: str, shots: Shots) -> None:
    enter_as(page, "mia")
    page.click("#tab-recs")
    page.fill("#rec-query", "a space adventure among the stars")
    page.press("#rec-query", "Enter")
    cards = page.locator("#rec-list .card")
    expect(cards).to_have_count(5)
    expect(cards.first.locator(".reason")).to_contain_text("Why:")
    first_id, second_id = cards.nth(0).get_attribute("data-item-id"), cards.nth(1).get_attribute("data-item-id")
    cards.nth(0).locator("button.feedback-liked").click()
    expect(cards.nth(0).locator("button.feedback-liked")).to_have_attribute("aria-pressed", "true")
    cards.nth(1).locator("button.feedback-disliked").click()
    expect(cards.nth(1).locator(".feedback-note")).to_have_text("Saved: not for you")
    shots(page, "recommendations")
    found = api(base_url, "GET", "/v1/users/mia/memories", params={"kind": "interaction"}).json()["data"]
    assert sorted((m["metadata"]["item_id"], m["metadata"]["action"]) for m in found) == sorted(
        [(first_id, "liked"), (second_id, "disliked")]
    )
    page.click("#rec-go")
    expect(page.locator("#rec-list")).to_have_attribute("data-answered", "2")
    expect(cards).to_have_count(5)
    shown = [cards.nth(i).get_attribute("data-item-id") for i in range(5)]
    assert first_id not in shown and second_id not in shown  # rated items are not recommended again

    page.click("#tab-chat")  # a recommendation in chat shows the picks with their reasons and the same buttons
    reply = send(page, "Can you recommend me a movie for tonight?")
    picks = reply.locator("details.tool ol.picks li")
    expect(picks).to_have_count(5)
    expect(reply.locator(".text")).to_contain_text(picks.first.locator("strong").text_content())
    picks.first.locator("button.feedback-liked").click()
    expect(picks.first.locator("button.feedback-liked")).to_have_attribute("aria-pressed", "true")
    shots(page, "chat-recommendation")


# -- forget me, users, keys ---------------------------------------------------------------------------------------


def test_forget_me_erases_everything_after_a_confirmation(
    page: Any, assistant: Assistant, base_url: str, shots: Shots
) -> None:
    assistant.remember("alice", "I live in Porto with my partner")
    assistant.remember("bob", "Bob lives in Oslo")
    page.reload()
    enter_as(page, "alice")
    send(page, "Remember that I like sailing")
    assistant.flush()
    page.click("#forget-me")
    expect(page.locator("#confirm")).to_be_visible()
    expect(page.locator("#confirm-text")).to_contain_text("every memory, the profile and all conversations of alice")
    page.keyboard.press("Escape")  # cancelling keeps everything
    expect(page.locator("#confirm")).to_be_hidden()
    assert "I live in Porto with my partner" in memory_texts(base_url, "alice")

    page.click("#forget-me")
    shots(page, "forget-confirm")
    page.click("#confirm-ok")
    expect(page.locator("#gate")).to_be_visible()
    expect(page.locator("#status")).to_contain_text("Everything about alice was erased")
    expect(page.locator("#user-list")).not_to_contain_text("alice")
    assert memory_texts(base_url, "alice", status="all") == []
    assert api(base_url, "GET", "/v1/users/alice/threads").json()["data"] == []
    assert api(base_url, "GET", "/v1/users/alice/profile").status_code == 404
    assert memory_texts(base_url, "bob") == ["Bob lives in Oslo"]
    shots(page, "after-forget")


@pytest.mark.parametrize("assistant", [{"supports_tools": True}], indirect=True)  # replies stream as written
def test_one_users_page_never_shows_another_users_data(page: Any, assistant: Assistant) -> None:
    assistant.remember("alice", "Alice's bank is in Zurich")
    assistant.remember("bob", "Bob plays the cello")
    assistant.chat("alice", "Alice talking about her holiday", thread_id="holiday")
    page.reload()
    enter_as(page, "alice")
    expect(page.locator("#thread-list")).to_contain_text("Alice talking about her holiday")
    page.click("#tab-memories")
    expect(page.locator("#memory-list")).to_contain_text("Alice's bank is in Zurich")

    page.click("#tab-chat")  # a slow reply for alice is still streaming when bob takes over
    assistant.model.token_delay_s = 0.3
    page.fill("#message", "Tell alice a long story about her secret bank account please")
    page.press("#message", "Enter")
    expect(page.locator(".msg.assistant").last).to_have_attribute("data-state", "streaming")
    page.click("#switch-user")
    enter_as(page, "bob")
    assistant.model.token_delay_s = 0.0
    page.wait_for_timeout(1500)  # alice's reply keeps streaming on the server meanwhile
    body = page.locator("body")
    for secret in ("Alice", "alice", "bank", "holiday", "Zurich"):
        expect(body).not_to_contain_text(secret)
    page.click("#tab-memories")
    expect(page.locator("#memory-list .card")).to_have_count(1)
    expect(page.locator("#memory-list")).to_contain_text("Bob plays the cello")
    page.click("#tab-profile")
    page.click("#tab-chat")
    expect(page.locator("#thread-list .thread")).to_have_count(0)
    for secret in ("alice", "bank", "Zurich"):
        expect(body).not_to_contain_text(secret)


def test_the_page_signs_in_with_a_key_alone_and_a_user_key_sees_only_its_user(
    browser: Any, assistant: Assistant, shots: Shots, tmp_path: Any
) -> None:
    from agent.keys import KeyStore

    assistant.remember("alice", "Alice likes green tea")
    assistant.remember("bob", "Bob keeps bees")
    keys = KeyStore.open(tmp_path)
    alice_key, _ = keys.create("alice")
    with live_server(create_app(assistant, admin_key=KEY, keys=keys)) as url:
        context, page, problems = new_page(browser)
        authorized: list[str] = []
        page.on(
            "request",
            lambda r: authorized.append(r.url) if r.headers.get("authorization") == f"Bearer {alice_key}" else None,
        )
        page.goto(url)
        expect(page.locator("#gate-key")).to_be_visible()
        expect(page.locator("#gate-open")).to_be_hidden()
        expect(page.locator("body")).not_to_contain_text("alice")  # no list of users for strangers
        shots(page, "key-prompt")
        page.fill("#api-key", "not-the-key")
        page.press("#api-key", "Enter")
        expect(page.locator("#gate-error")).to_have_text("That API key is not right.")
        page.fill("#api-key", alice_key)
        page.click("#gate-key button[type=submit]")
        expect(page.locator("#who-name")).to_have_text("alice")  # the key said who
        page.click("#tab-memories")
        expect(page.locator("#memory-list")).to_contain_text("Alice likes green tea")
        page.click("#tab-chat")
        send(page, "hello with a key")
        assert any(u.endswith("/v1/chat/completions") for u in authorized)
        assert any("/v1/users/alice/memories" in u for u in authorized)
        expect(page.locator("body")).not_to_contain_text("Bob keeps bees")
        page.click("#switch-user")  # a user key picks nobody else: it asks for a key again
        expect(page.locator("#gate-key")).to_be_visible()
        expect(page.locator("#gate-open")).to_be_hidden()
        page.fill("#api-key", KEY)  # the admin key may pick anyone
        page.press("#api-key", "Enter")
        expect(page.locator("#gate-open")).to_be_visible()
        page.click("#user-list button[data-user=bob]")
        expect(page.locator("#who-name")).to_have_text("bob")
        context.close()
        assert problems == []


# -- phone width and keyboard ------------------------------------------------------------------------------------


def test_phone_width_and_keyboard_only(browser: Any, base_url: str, assistant: Assistant, shots: Shots) -> None:
    assistant.remember("kim", "I live in Seoul and love long walks by the river")
    context, page, problems = new_page(browser, width=390, height=844)
    page.goto(base_url)
    expect(page.locator('button.user-choice[data-user="kim"]')).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#who-name")).to_have_text("kim")
    page.keyboard.type("Where do I live?")  # the message box has the focus
    page.keyboard.press("Enter")
    expect(page.locator(".msg.assistant").last).to_have_attribute("data-state", "done")
    shots(page, "phone-chat")
    overflow = "() => document.documentElement.scrollWidth - window.innerWidth"
    assert page.evaluate(overflow) <= 0

    page.focus("#tab-chat")
    page.keyboard.press("ArrowRight")
    expect(page.locator("#tab-memories")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#panel-memories")).to_be_visible()
    expect(page.locator("#memory-list")).to_contain_text("Seoul")
    assert page.evaluate(overflow) <= 0
    shots(page, "phone-memories")
    page.keyboard.press("End")
    expect(page.locator("#tab-recs")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#tab-recs")).to_be_focused()  # arrow keys stay in the tab list
    for _ in range(6):  # Tab walks on: the header's buttons, then the request box
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "rec-query":
            break
    expect(page.locator("#rec-query")).to_be_focused()
    page.keyboard.type("something calm")
    page.keyboard.press("Enter")
    expect(page.locator("#rec-list .card")).to_have_count(5)
    assert page.evaluate(overflow) <= 0
    shots(page, "phone-recommendations", full_page=True)
    page.focus("#tab-recs")
    page.keyboard.press("ArrowLeft")
    expect(page.locator("#tab-profile")).to_have_attribute("aria-selected", "true")
    assert page.evaluate(overflow) <= 0
    context.close()
    assert problems == []
