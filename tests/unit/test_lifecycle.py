"""inkrider_lite.sessions.lifecycle: every (from, to) pair of session states."""

from __future__ import annotations

import itertools

import pytest

from inkrider_lite.sessions.lifecycle import InvalidTransition, SessionState, advance

S = SessionState

#: Written out independently of the module: where each state may go besides staying put.
EXPECTED = {
    S.UNBOUND: {S.STARTING, S.DEAD},
    S.STARTING: {S.WAITING, S.INSTALLING, S.IDLE, S.BUSY, S.UNBOUND, S.DEAD},
    S.WAITING: {S.STARTING, S.UNBOUND, S.DEAD},
    S.INSTALLING: {S.IDLE, S.UNBOUND, S.DEAD},
    S.IDLE: {S.BUSY, S.UNBOUND, S.DEAD},
    S.BUSY: {S.IDLE, S.UNBOUND, S.DEAD},
    S.DEAD: set(),
}

PAIRS = list(itertools.product(SessionState, repeat=2))


def test_the_table_covers_every_state() -> None:
    assert set(EXPECTED) == set(SessionState)
    assert len(PAIRS) == len(SessionState) ** 2 == 49


@pytest.mark.parametrize(("current", "target"), PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_transition(current: SessionState, target: SessionState) -> None:
    if target is current or target in EXPECTED[current]:
        assert advance(current, target) is target
    else:
        with pytest.raises(InvalidTransition, match=f"from {current} to {target}"):
            advance(current, target)


def test_dead_is_final() -> None:
    for target in SessionState:
        if target is not S.DEAD:
            with pytest.raises(InvalidTransition):
                advance(S.DEAD, target)
