"""inkrider_lite.sessions.capacity: the WorkerBudget that caps local workers."""

from __future__ import annotations

import random

import pytest

from inkrider_lite.sessions.capacity import DEFAULT_LOCAL_SESSIONS, WorkerBudget


def test_defaults() -> None:
    budget = WorkerBudget()
    assert budget.cap == DEFAULT_LOCAL_SESSIONS == 3
    assert (budget.bound, budget.warm, budget.workers) == (0, 0, 0)


@pytest.mark.parametrize("cap", [0, -1])
def test_cap_below_one_is_rejected(cap: int) -> None:
    with pytest.raises(ValueError, match="at least one"):
        WorkerBudget(cap=cap)


def test_never_more_than_cap_bound_workers() -> None:
    budget = WorkerBudget(cap=2)
    budget.add_bound()
    budget.add_bound()
    with pytest.raises(RuntimeError, match="all 2 local sessions"):
        budget.add_bound()
    assert budget.workers == 2


def test_one_warm_worker_at_most() -> None:
    budget = WorkerBudget(cap=3)
    assert budget.should_warm(True)
    assert not budget.should_warm(False)
    budget.add_warm()
    assert not budget.should_warm(True)
    with pytest.raises(RuntimeError, match="no room"):
        budget.add_warm()
    assert budget.warm == 1


def test_no_warm_worker_in_a_full_budget() -> None:
    budget = WorkerBudget(cap=1)
    budget.add_bound()
    assert not budget.should_warm(True)
    with pytest.raises(RuntimeError):
        budget.add_warm()


def test_take_warm_moves_it_to_bound() -> None:
    budget = WorkerBudget(cap=1)
    budget.add_warm()
    # The warm worker fills the only slot, yet a session can still bind: it takes that worker.
    budget.take_warm()
    assert (budget.bound, budget.warm) == (1, 0)
    with pytest.raises(RuntimeError, match="all 1 local sessions"):
        budget.add_bound()
    with pytest.raises(RuntimeError, match="no warm worker"):
        budget.take_warm()


def test_release_frees_a_slot_and_never_goes_negative() -> None:
    budget = WorkerBudget(cap=1)
    budget.add_bound()
    budget.release_bound()
    assert budget.workers == 0
    budget.release_bound()
    budget.release_warm()
    assert (budget.bound, budget.warm) == (0, 0)


OPERATIONS = ["add_bound", "add_warm", "take_warm", "release_bound", "release_warm"]


@pytest.mark.parametrize("seed", range(20))
def test_random_operations_keep_the_invariants(seed: int) -> None:
    """Drive random operation sequences against a tiny reference model of the budget."""
    rng = random.Random(seed)
    cap = rng.randint(1, 5)
    budget = WorkerBudget(cap=cap)
    bound = warm = 0
    for _ in range(200):
        operation = rng.choice(OPERATIONS)
        if operation == "add_bound":
            allowed = bound + warm < cap
            bound += allowed
        elif operation == "add_warm":
            allowed = warm == 0 and bound + warm < cap
            warm += allowed
        elif operation == "take_warm":
            allowed = warm > 0
            warm, bound = (warm - 1, bound + 1) if allowed else (warm, bound)
        elif operation == "release_bound":
            allowed, bound = True, max(0, bound - 1)
        else:
            allowed, warm = True, max(0, warm - 1)
        if allowed:
            getattr(budget, operation)()
        else:
            with pytest.raises(RuntimeError):
                getattr(budget, operation)()
        assert (budget.bound, budget.warm) == (bound, warm)
        assert budget.workers <= cap
        assert 0 <= budget.warm <= 1
        assert budget.bound >= 0


def test_warm_worker_is_wanted_only_while_a_first_run_may_come() -> None:
    from inkrider_lite.sessions.capacity import warm_worker_wanted
    from inkrider_lite.sessions.lifecycle import SessionState as S

    assert warm_worker_wanted([])  # page just loaded: a notebook will open
    assert warm_worker_wanted([S.IDLE, S.UNBOUND])  # an open notebook has not run yet
    assert not warm_worker_wanted([S.IDLE])
    assert not warm_worker_wanted([S.BUSY, S.STARTING, S.DEAD])
