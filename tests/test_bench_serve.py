"""``rapport bench serve`` at a small size: concurrent clients on a real server, then no memory lost."""

from __future__ import annotations

import pytest

from evals.bench.serve import TEMPLATES, run, statement
from memory.extraction import statements


def test_every_benchmark_message_states_exactly_one_fact_no_other_user_states(embedder) -> None:
    said = [statement(user, turn) for user in [*range(40), 500, 999] for turn in range(len(TEMPLATES))]
    assert len(set(said)) == len(said)  # so a memory found in the wrong user can be told apart
    for fact in said:
        assert [c.text for c in statements(embedder, f"{fact} Could you remember that for me?")] == [fact]


@pytest.mark.slow
def test_the_server_under_concurrent_clients_loses_nothing() -> None:
    report = run(clients=4, turns=3, model="scripted")
    assert report["baseline"]["errors"] == 0 and report["load"]["errors"] == 0
    assert report["load"]["requests"] == 4 * 3 + 2 * 3  # plus the two clients sharing one user and thread
    check = report["integrity"]
    assert check["memories_expected"] == 1 + 3 + 4 * 3 + 2 * 3  # warm-up, baseline, load
    assert (check["lost"], check["duplicated"], check["wrong_user"], check["unexpected"]) == (0, 0, 0, 0)
    assert check["shared_thread_intact"] and check["shared_thread_turns"] == 6
    assert check["outbox_pending_after_shutdown"] == 0 and report["server_exit_code"] == 0
