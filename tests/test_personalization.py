"""Scripted personalization check: facts stated across sessions must be recalled when they matter.

30 facts by 3 users over 10 sessions (threads), then 30 questions in fresh threads. For each question
the memory holding its answer must be among those recalled for the reply; deterministic, no model
judging (the scripted model only answers "OK.").
"""

from __future__ import annotations

from agent import Assistant, Settings

from .scripted_model import ScriptedModel

FACTS = {
    "maya": [
        ("I work as a veterinary nurse in Leeds.", "What is my job?"),
        ("My daughter Ines is seven years old.", "How old is my daughter?"),
        ("I'm allergic to shellfish.", "Is there any food I should avoid?"),
        ("My car is a green Skoda Octavia.", "What car do I drive?"),
        ("I run 10k every Saturday morning.", "What do I do on Saturday mornings?"),
        ("My favourite author is Ursula K. Le Guin.", "Who is my favourite writer?"),
        ("I grew up in Porto.", "Where did I grow up?"),
        ("My partner Sam is a carpenter.", "What does my partner do for a living?"),
        ("I play the ukulele badly.", "Which instrument do I play?"),
        ("I'm saving for a trip to Japan next spring.", "Where am I planning to travel?"),
    ],
    "tomas": [
        ("I am a backend developer working mostly in Go.", "Which programming language do I use at work?"),
        ("My cat is called Pixel.", "What's the name of my cat?"),
        ("I'm vegetarian since 2015.", "Do I eat meat?"),
        ("I support Sparta Prague.", "Which football club do I support?"),
        ("My birthday is on the 3rd of March.", "When is my birthday?"),
        ("I live on the fourth floor without a lift.", "Which floor do I live on?"),
        ("My brother Jakub lives in Montreal.", "Where does my brother live?"),
        ("I'm learning Japanese on Duolingo.", "Which language am I learning?"),
        ("I drink my coffee with oat milk.", "How do I take my coffee?"),
        ("I hate horror films.", "What kind of movies do I dislike?"),
    ],
    "priya": [
        ("I teach chemistry at a secondary school.", "What subject do I teach?"),
        ("My husband Arjun is a pilot.", "What is my husband's job?"),
        ("I have a peanut allergy.", "What am I allergic to?"),
        ("I'm training for the Berlin marathon.", "Which race am I training for?"),
        ("My favourite dish is dosa with coconut chutney.", "What's my favourite food?"),
        ("I volunteer at the animal shelter on Sundays.", "What do I do on Sundays?"),
        ("My son plays the violin.", "Which instrument does my son play?"),
        ("I was born in Chennai.", "Where was I born?"),
        ("I read mostly science fiction.", "What books do I like?"),
        ("My laptop is a ThinkPad X1.", "What laptop do I have?"),
    ],
}
SESSIONS = 10


def test_thirty_facts_are_recalled_for_ninety_percent_of_questions(tmp_path, embedder) -> None:
    assistant = Assistant.open(Settings(data_dir=tmp_path / "data"), chat_model=ScriptedModel())
    try:
        for index in range(SESSIONS):  # fact i of every user goes into session i, a thread of its own
            for user_id, facts in FACTS.items():
                assistant.chat(user_id, facts[index][0], thread_id=f"session-{index}")
        assistant.flush()

        missed = []
        for user_id, facts in FACTS.items():
            for fact, question in facts:
                reply = assistant.chat(user_id, question, thread_id="questions")
                recalled = [memory.text for memory in reply.recalled]
                assert all(memory.user_id == user_id for memory in reply.recalled)
                if fact not in recalled:
                    missed.append((user_id, question, recalled[:3]))
        total = sum(len(facts) for facts in FACTS.values())
        assert total == 30
        assert (total - len(missed)) / total >= 0.9, missed
    finally:
        assistant.close()
