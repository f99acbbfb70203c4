"""Grounded replies through the Assistant: facts about the user come from current memories only.

The scripted model stands in for a small model that cannot be trusted with facts: where it is not
asked, what it would say must not matter; where it drafts, a bad draft must not reach the user.
"""

from __future__ import annotations

import pytest

from agent import Assistant, Settings
from agent.constraints import DIETS, violations
from agent.suggestions import load_examples

from .scripted_model import ScriptedModel

NONSENSE = "I'm sorry, I don't know what you mean."
LIBRARY = {example.suggestion for example in load_examples()}


@pytest.fixture
def make_assistant(tmp_path, embedder):
    opened: list[Assistant] = []

    def make(model: ScriptedModel) -> Assistant:
        assistant = Assistant.open(Settings(data_dir=tmp_path / "data"), chat_model=model)
        opened.append(assistant)
        return assistant

    yield make
    for assistant in opened:
        assistant.close()


def streamed(model: ScriptedModel) -> int:
    return sum(1 for name, _ in model.calls if name == "stream")


def tell(assistant: Assistant, user: str, *texts: str) -> None:
    for text in texts:
        assistant.chat(user, text, thread_id="setup")
    assistant.flush()


def test_a_question_about_the_user_is_answered_from_memory_in_the_second_person(make_assistant) -> None:
    model = ScriptedModel(default_reply=NONSENSE)
    assistant = make_assistant(model)
    tell(assistant, "alice", "My sister Anna lives in Lisbon.", "I love hiking on weekends.")
    before = streamed(model)
    reply = assistant.chat("alice", "Where does my sister live?", thread_id="later")
    assert reply.text == "Your sister Anna lives in Lisbon."
    assert streamed(model) == before  # the model was not asked to compose a fact


def test_not_knowing_is_said_and_nothing_close_is_passed_off_as_the_answer(make_assistant) -> None:
    assistant = make_assistant(ScriptedModel(default_reply="Your dog is called Rex."))
    tell(assistant, "alice", "My cat is called Tom.")
    reply = assistant.chat("alice", "What's my dog's name?", thread_id="later")
    assert "don't know your dog's name" in reply.text
    assert "Tom" not in reply.text and "Rex" not in reply.text


def test_a_question_about_someone_the_user_named_is_answered_from_memory_not_the_model(make_assistant) -> None:
    model = ScriptedModel(default_reply="Arjun goes to Hillside Primary.")
    assistant = make_assistant(model)
    tell(assistant, "priya", "My son Arjun is two.")
    assert "haven't told me" in assistant.chat("priya", "Which school does Arjun go to?", thread_id="later").text
    assert assistant.chat("priya", "How old is Arjun?", thread_id="later").text == "Your son Arjun is two."


def test_telling_is_acknowledged_with_what_was_remembered_and_what_it_replaced(make_assistant) -> None:
    assistant = make_assistant(ScriptedModel(default_reply=NONSENSE))
    reply = assistant.chat("alice", "Hi! I'm Alice. I'm a vegetarian and I live in Lyon with my two cats.")
    assert reply.text.startswith("Hi Alice!")
    assert "you're a vegetarian and you live in Lyon with your two cats" in reply.text
    assert "I'm a vegetarian" not in reply.text
    assistant.flush()
    reply = assistant.chat("alice", "My favourite colour is blue.")
    assistant.flush()
    reply = assistant.chat("alice", "My favourite colour is green now.")
    assert "your favourite colour is green now" in reply.text
    assert "instead of that your favourite colour is blue" in reply.text
    assistant.flush()
    reply = assistant.chat("alice", "What's my favourite colour?", thread_id="later")
    assert "green" in reply.text and "blue" not in reply.text


def test_a_draft_that_breaks_a_constraint_is_replaced_by_an_idea_that_respects_it(make_assistant) -> None:
    model = ScriptedModel(default_reply="Try a creamy chicken curry with rice.")
    assistant = make_assistant(model)
    tell(assistant, "alice", "I'm a vegetarian.")
    reply = assistant.chat("alice", "Can you suggest a dinner recipe for me tonight?", thread_id="dinner")
    idea = reply.text.removeprefix("Since you're a vegetarian, here's an idea: ")
    assert idea != reply.text and idea in LIBRARY  # a written idea for someone like her, not the draft
    assert not violations(idea, DIETS["vegetarian"])


def test_a_draft_is_redrawn_when_no_written_idea_fits_the_request(make_assistant) -> None:
    model = ScriptedModel(default_reply="OK.")
    assistant = make_assistant(model)
    tell(assistant, "alice", "I'm a vegetarian.")
    model.replies.extend(["Call the boat Chicken Run.", "Call the boat Lentil Express."])
    reply = assistant.chat("alice", "Can you suggest a name for my new boat?", thread_id="boat")
    assert reply.text.endswith("Call the boat Lentil Express.")


def test_a_draft_that_fits_the_user_beats_a_written_idea_for_someone_else(make_assistant) -> None:
    model = ScriptedModel(default_reply="Get her a set of bamboo knitting needles and a book of sweater patterns.")
    assistant = make_assistant(model)
    tell(assistant, "alice", "My grandmother loves knitting.")
    reply = assistant.chat("alice", "What should I get my grandma for her birthday?", thread_id="gift")
    assert reply.text.endswith("Get her a set of bamboo knitting needles and a book of sweater patterns.")


def test_a_hobby_leads_a_free_time_request_but_not_a_food_one(make_assistant) -> None:
    model = ScriptedModel(replies=["Try a fruit sorbet."])
    assistant = make_assistant(model)
    tell(assistant, "sam", "I'm lactose intolerant.", "I love hiking in the Lake District.")
    model.replies.extend(["Try a fruit sorbet.", "Walk a ridge you have not done yet."])
    dessert = assistant.chat("sam", "Can you suggest something for dessert tonight?", thread_id="ask")
    assert dessert.text.startswith("Since you're lactose intolerant, here's an idea:") and "hiking" not in dessert.text
    day_off = assistant.chat("sam", "What should I do on my day off?", thread_id="ask")
    assert "you love hiking in the Lake District" in day_off.text


def test_when_no_draft_is_good_and_no_idea_fits_a_plain_fallback_is_said(make_assistant) -> None:
    model = ScriptedModel(default_reply="I'm a vegetarian too, so I love a beef stew.")
    assistant = make_assistant(model)
    tell(assistant, "alice", "I'm a vegetarian.")
    reply = assistant.chat("alice", "Can you suggest a name for my new boat?", thread_id="boat")
    assert "beef" not in reply.text and "I'm a vegetarian" not in reply.text
    assert "Tell me a bit more" in reply.text


def test_a_replaced_fact_is_never_drafted_back(make_assistant) -> None:
    model = ScriptedModel(default_reply="Visit the Louvre in Paris. It is lovely in spring.")
    assistant = make_assistant(model)
    tell(assistant, "alice", "I live in Paris.")
    tell(assistant, "alice", "I just moved to Berlin last month.")
    reply = assistant.chat("alice", "Any ideas for a weekend trip?", thread_id="trip")
    assert "Paris" not in reply.text


def test_what_do_you_know_about_me_lists_current_memories_of_that_user_only(make_assistant) -> None:
    assistant = make_assistant(ScriptedModel(default_reply=NONSENSE))
    tell(assistant, "alice", "I'm a vegetarian.", "I live in Lyon with my two cats.")
    reply = assistant.chat("alice", "What do you know about me?", thread_id="later")
    assert "you're a vegetarian" in reply.text and "you live in Lyon with your two cats" in reply.text
    reply = assistant.chat("bob", "What do you know about me?")
    assert "don't know anything about you yet" in reply.text and "Lyon" not in reply.text


def test_small_talk_gets_a_friendly_line_with_the_users_name(make_assistant) -> None:
    assistant = make_assistant(ScriptedModel(default_reply=NONSENSE))
    tell(assistant, "sam", "My name is Samir.")
    reply = assistant.chat("sam", "Hello again!", thread_id="later")
    assert reply.text.startswith("Hi Samir!")
    assert "don't know what you mean" not in assistant.chat("sam", "Thanks, that was helpful!").text


def test_the_grounded_reply_streams_in_pieces_that_join_to_the_reply(make_assistant) -> None:
    assistant = make_assistant(ScriptedModel(default_reply=NONSENSE))
    tell(assistant, "alice", "I have two kids, Leo and Mia.")
    events = list(assistant.stream("alice", "What are my kids called?", thread_id="later"))
    tokens = [event.text for event in events if event.type == "token"]
    assert len(tokens) > 3
    assert "".join(tokens) == events[-1].reply.text == "You have two kids, Leo and Mia."


def test_what_the_message_itself_says_shapes_its_suggestion(make_assistant) -> None:
    assistant = make_assistant(ScriptedModel(default_reply="Try a cheese omelette with ham."))
    reply = assistant.chat("alice", "I'm vegan. What should I cook tonight?", thread_id="dinner")
    assert "Since you're vegan, here's an idea:" in reply.text
    assert not violations(reply.text.split("here's an idea:")[1], DIETS["vegan"])
    gift = assistant.chat("bob", "What should I get my sister for her birthday? She loves gardening.")
    assert "garden" in gift.text.split("an idea:")[1].lower()


def test_money_said_to_be_tight_is_remembered_and_shapes_a_plan(make_assistant) -> None:
    assistant = make_assistant(ScriptedModel(default_reply=NONSENSE))
    told = assistant.chat("priya", "Money is a bit tight this month.", thread_id="setup")
    assert "Got it, I'll remember that money is a bit tight this month" in told.text
    assistant.flush()
    plan = assistant.chat("priya", "What could I do this weekend?", thread_id="later")
    assert plan.text.startswith("Since money is a bit tight this month, here's an idea:")
