"""The assistant end to end on the embedded local model (slow: it generates real text)."""

from __future__ import annotations

import pytest

from agent import Assistant, Settings

PREFERENCES = [
    "I am vegetarian, so no meat or fish for me.",
    "My favourite sport to watch is tennis.",
    "I prefer trains to planes when I travel.",
]


@pytest.mark.slow
def test_preferences_stated_in_one_thread_are_recalled_in_another(tmp_path, local_model, embedder) -> None:
    with Assistant.open(Settings(data_dir=tmp_path / "data"), chat_model=local_model) as assistant:
        for preference in PREFERENCES:
            reply = assistant.chat("zoe", preference, thread_id="monday")
            assert reply.text.strip()
        assistant.flush()
        assert {m.text for m in assistant.memories("zoe", k=10)} >= set(PREFERENCES)

        reply = assistant.chat("zoe", "Can you suggest a dinner recipe for me?", thread_id="friday")
        assert "I am vegetarian, so no meat or fish for me." in [m.text for m in reply.recalled]
        assert reply.text.strip() and reply.timings["respond_s"] > 0
        assert assistant.history("zoe", thread_id="friday")[-1]["content"] == reply.text

        profile = assistant.profile("zoe")
        assert profile.summary.strip() and "I prefer trains to planes when I travel." in profile.interests

        assert assistant.forget("zoe") >= 3
        reply = assistant.chat("zoe", "Can you suggest a dinner recipe for me?", thread_id="saturday")
        assert [m.text for m in reply.recalled if m.text in PREFERENCES] == []
