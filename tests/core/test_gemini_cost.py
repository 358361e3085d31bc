"""Token and cost estimates before a run, and where the API key comes from."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail

from core import keys
from core.cost import estimate, estimate_with_count_tokens, load_prices, synthesis_tokens
from core.sections import Section
from core.settings import Settings
from tests.fakes.fixtures import make_client, make_pdf
from tests.fakes.gemini import FakeGemini


def test_price_table_says_its_date_and_has_the_default_model() -> None:
    table = load_prices()
    date.fromisoformat(table.date)
    assert table.match(Settings(_env_file=None).gemini_model) is not None
    assert table.tokens_per_page("gemini-3.8-flash") == 560
    assert table.tokens_per_page("gemini-2.5-flash") == 258
    assert table.match("models/gemini-2.5-flash-lite-001") == "gemini-2.5-flash-lite"


def test_estimate_from_pages() -> None:
    sections = [Section("s1", "A", (1, 2, 3)), Section("s2", "B", (4,))]
    result = estimate(
        sections, model="gemini-2.5-flash", output_tokens_per_section=100, synthesis=False
    )
    prompt = 20  # the section context line; no prompt text given
    assert result.pages == 4
    assert result.input_tokens == 4 * 258 + 2 * prompt
    assert result.output_tokens == 200
    expected = (4 * 258 + 2 * prompt) * 0.30 / 1e6 + 200 * 2.50 / 1e6
    assert result.cost_usd == pytest.approx(expected, rel=1e-6)
    assert result.price_date == load_prices().date
    assert "prices of" in result.describe()


def test_the_estimate_includes_the_synthesis_request() -> None:
    sections = [Section("s1", "A", (1, 2, 3)), Section("s2", "B", (4,)), Section("s3", "C", (5,))]
    without = estimate(sections, model="gemini-2.5-flash", synthesis=False)
    with_it = estimate(sections, model="gemini-2.5-flash")
    tokens_in, tokens_out = synthesis_tokens(3)
    # the section answers go in again (text only, no PDF), one answer comes out
    assert with_it.input_tokens - without.input_tokens == tokens_in > 3 * 800
    assert with_it.output_tokens - without.output_tokens == tokens_out
    extra = tokens_in * 0.30 / 1e6 + tokens_out * 2.50 / 1e6
    assert with_it.cost_usd == pytest.approx(without.cost_usd + extra)  # type: ignore[operator]
    assert any("synthesis" in note for note in with_it.notes)


def test_time_limited_price_switches_after_its_end_date() -> None:
    before = estimate(page_counts=[100], model="gemini-3.8-flash", on=date(2026, 12, 31))
    after = estimate(page_counts=[100], model="gemini-3.8-flash", on=date(2027, 1, 1))
    assert after.cost_usd == pytest.approx(2 * before.cost_usd)


def test_long_prompts_use_the_long_context_rate() -> None:
    one = {"model": "gemini-2.5-pro", "output_tokens_per_section": 0, "synthesis": False}
    short = estimate(page_counts=[100], **one)  # type: ignore[arg-type]
    long = estimate(page_counts=[1000], **one)  # type: ignore[arg-type]
    assert long.cost_usd / long.input_tokens == pytest.approx(
        2 * short.cost_usd / short.input_tokens
    )
    assert long.notes


def test_unknown_model_has_tokens_but_no_price() -> None:
    result = estimate(page_counts=[10], model="some-other-model")
    assert result.cost_usd is None and result.input_tokens > 0
    assert "no price known" in result.describe()


@pytest.mark.usefixtures("transport")
async def test_count_tokens_on_a_sample_scales_to_every_page(
    fake_gemini: FakeGemini, tmp_path: Path
) -> None:
    fake_gemini.tokens_per_page = 300
    sample = tmp_path / "sample.pdf"
    make_pdf("sample", pages=3, path=sample)
    sections = [Section("s1", "A", tuple(range(1, 11))), Section("s2", "B", (11, 12))]
    client = make_client(fake_gemini)
    try:
        result = await estimate_with_count_tokens(
            client,
            sections,
            [(sample, 3)],
            "gemini-2.5-flash",
            output_tokens_per_section=0,
            synthesis=False,
        )
    finally:
        await client.aio.aclose()
    assert result.method == "count_tokens"
    assert result.tokens_per_page == 300
    assert result.input_tokens == 12 * 300 + 2 * 20
    assert fake_gemini.stats.count("count_tokens", 200) == 1


# ---------------------------------------------------------------------------- keys
class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


def test_settings_key_wins_over_the_keyring(memory_keyring: MemoryKeyring) -> None:
    keys.set_key("from-keyring")
    assert keys.get_key(Settings(_env_file=None, gemini_api_key="from-env")) == "from-env"
    assert keys.get_key(Settings(_env_file=None)) == "from-keyring"
    keys.delete_key()
    assert keys.get_key(Settings(_env_file=None)) is None


@pytest.mark.usefixtures("no_keyring")
def test_no_keyring_backend_is_a_clear_error_not_a_crash() -> None:
    assert keys.get_key(Settings(_env_file=None)) is None
    with pytest.raises(keys.KeyringUnavailableError, match="GEMINI_API_KEY"):
        keys.set_key("abc")
    keys.delete_key()  # nothing to do, no error
