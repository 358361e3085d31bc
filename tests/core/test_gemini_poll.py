"""The ACTIVE poll's pauses: quick at first, where a run's first answers wait on them,
then growing to the cap, so a slow file is not looked at ten times a second."""

from __future__ import annotations

import itertools

from core.processors.gemini_poll import poll_pauses


def _looks_by(seconds: float, pauses: list[float]) -> int:
    return sum(1 for at in itertools.accumulate(pauses) if at <= seconds)


def test_a_file_read_in_a_third_of_a_second_is_seen_active_within_a_tenth_more() -> None:
    pauses = list(itertools.islice(poll_pauses(0.1, 2.0), 10))
    first_after = next(at for at in itertools.accumulate(pauses) if at >= 0.3)
    assert first_after <= 0.4
    assert _looks_by(1.0, pauses) >= 5


def test_the_pauses_grow_to_the_cap_and_stay_there() -> None:
    pauses = list(itertools.islice(poll_pauses(0.1, 2.0), 40))
    assert pauses[0] == 0.1
    assert all(later >= earlier for earlier, later in itertools.pairwise(pauses))
    assert max(pauses) == 2.0 and pauses[-1] == 2.0
    # a file Gemini takes a minute to read is looked at about once every two seconds
    assert _looks_by(60.0, pauses) <= 40


def test_a_cap_below_the_first_pause_wins() -> None:
    assert list(itertools.islice(poll_pauses(0.5, 0.2), 3)) == [0.2, 0.2, 0.2]
