"""The dashboard in a real headless Chromium (Debian's `chromium`, driven by Playwright):
the pools table shows `apr --json`'s figures, a pool page its queue and forecast, a sealed
`tx` appears without a reload, the page's JSON-RPC replays to the same answers, and every
page is screenshotted into pytest's tmp dir."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from typing import Any

import pytest

from runtime.keys import Keypair
from tests.rpc.conftest import Signer, post
from tests.ui.conftest import PHA, Staking, address

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run"]


def _skip_reason() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[dev]')"
    if shutil.which(CHROMIUM) is None:
        return f"no {CHROMIUM}: `make test` installs Debian's chromium (apt-get install chromium)"
    return None


pytestmark = pytest.mark.skipif(_skip_reason() is not None, reason=str(_skip_reason()))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    pg = browser.new_page(viewport={"width": 1400, "height": 900})
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    try:
        yield pg
    finally:
        pg.close()
    assert errors == []


def open_view(page: Any, staking: Staking, hash_: str, ready: str) -> None:
    page.goto(f"{staking.server.http}/#/{hash_}")
    page.wait_for_selector(ready, timeout=15_000)


def percent(decimal: str) -> str:
    """fmt.js's percent(): ×100, truncated to 2 decimals, thousands separators."""
    d = (Decimal(decimal) * 100).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    return f"{d:,} %"


def pha(planck: int) -> str:
    d = (Decimal(planck) / PHA).quantize(Decimal("0.0001"), rounding=ROUND_DOWN)
    return f"{d:,} PHA"


def test_pools_table_shows_the_apr_figures(page: Any, staking: Staking, shots: Path) -> None:
    open_view(page, staking, "pools", "#pools tbody tr[data-pid]")
    for pool in staking.apr["pools"]:
        row = page.locator(f'#pools tr[data-pid="{pool["pid"]}"]')
        cell = {c: row.locator(f'td[data-col="{c}"]') for c in
                ("commission", "total_stake", "free_stake", "workers", "apr")}
        assert cell["apr"].inner_text() == percent(pool["apr"]["decimal"])
        assert cell["commission"].inner_text() == f"{pool['commission_permill'] / 1e4:.2f} %"
        for c in ("total_stake", "free_stake"):
            assert cell[c].inner_text() == pha(pool[c])
            assert cell[c].locator(".pha").get_attribute("title") == f"{pool[c]} planck"
        assert cell["workers"].inner_text() == str(len(pool["workers"]))
        assert row.locator("td").nth(1).locator("a").get_attribute("title") == pool["owner"]
        # both pools were created after the realised window's start (genesis): no figure
        assert row.locator('td[data-col="realised_apr"]').inner_text() == "—"
    assert page.locator("#pools tbody tr").count() == len(staking.apr["pools"])
    page.screenshot(path=str(shots / "pools.png"), full_page=True)
    # sorting asks the server again: most workers first
    page.click('th[data-sort="workers"]')
    page.click('th[data-sort="workers"]')
    page.wait_for_selector('th.sorted.desc[data-sort="workers"]')
    assert page.locator("#pools tbody tr").first.get_attribute("data-pid") == "0"


def test_pool_page_shows_its_queue_and_forecast(page: Any, staking: Staking,
                                                shots: Path) -> None:
    open_view(page, staking, "pool/0", "#queue button.forecast")
    rows = page.locator("#queue tbody tr")
    assert rows.count() == 1
    cells = rows.first.locator("td")
    assert cells.nth(1).locator("a").get_attribute("title") == address("//Eve")
    assert cells.nth(2).inner_text() == "5,000.0000"
    assert cells.nth(3).inner_text() == "0 s ago"
    assert page.locator("#workers tbody tr").count() == 2
    assert page.locator("#stakers tbody tr").count() == 2
    page.click("#queue button.forecast")
    result = page.wait_for_selector("#queue .forecast-result", timeout=60_000)
    paid = staking.forecast["paid"]
    assert result.inner_text().startswith(f"paid by #{paid['block']['number']} ")
    assert result.inner_text().endswith(f": {pha(paid['amount'])}")
    assert "forced_stop, reclaim" in result.inner_text()
    page.screenshot(path=str(shots / "pool.png"), full_page=True)


def test_every_page_renders(page: Any, staking: Staking, shots: Path) -> None:
    head = staking.head["number"]
    views = [("network", "#net-head"), ("blocks", "#blocks .block"),
             (f"block/{head}", ".block"), (f"account/{address('//Eve')}", "#account-pools")]
    for hash_, ready in views:
        open_view(page, staking, hash_, ready)
        page.screenshot(path=str(shots / (hash_.split("/")[0] + ".png")), full_page=True)
    assert page.locator("#account-pools tbody tr td").first.inner_text() == "#0"
    open_view(page, staking, "network", "#net-head")
    assert page.locator("#net-head .v").inner_text() == f"#{head}"
    # search: a block number, then an account
    page.fill("#search input", "1")
    page.press("#search input", "Enter")
    page.wait_for_selector("h1:has-text('Block #1')")
    page.fill("#search input", address("//Bob"))
    page.press("#search input", "Enter")
    page.wait_for_selector(f"h1:has-text('{address('//Bob')}')")


def test_the_pages_requests_replay_to_the_same_answers(page: Any, staking: Staking) -> None:
    for hash_, ready in [("network", "#net-head"), ("pools", "#pools tbody tr[data-pid]"),
                         ("pool/0", "#queue button.forecast"), ("blocks", "#blocks .block"),
                         (f"account/{address('//Eve')}", "#account-pools")]:
        open_view(page, staking, hash_, ready)
    log = page.evaluate("window.dashboard.rpc.log")
    methods = {json.loads(e["request"])["method"] for e in log}
    assert {"phala_network", "phala_pools", "phala_pool", "phala_poolWorkers",
            "phala_poolStakers", "phala_blocks", "phala_account"} <= methods
    replayed = 0
    for entry in log:
        req = json.loads(entry["request"])
        if req["method"].startswith("chain_subscribe") or entry["answer"] is None:
            continue  # subscriptions need the WebSocket; other pages' calls still in flight
        assert post(staking.server.http, req) == json.loads(entry["answer"]), req
        replayed += 1
    assert replayed >= 7


def test_a_sealed_tx_appears_without_a_reload(page: Any, staking: Staking,
                                              shots: Path) -> None:
    """Last in this file: it seals a block on the shared chain."""
    srv = staking.server
    head = srv.call("chain_getHeader")
    number = int(head["number"], 16)
    open_view(page, staking, "blocks", f'#blocks .block[data-number="{number}"]')
    page.evaluate("window.__sameDocument = true")
    signer = Signer(srv.genesis_hash)
    bob = Keypair.from_uri("//Bob").public_key
    nonce = srv.call("system_accountNextIndex", address("//Charlie"))
    tx = signer.transfer("//Charlie", bob, 7 * PHA, nonce)
    srv.call("author_submitExtrinsic", "0x" + tx.hex())
    block = page.wait_for_selector(f'#blocks .block[data-number="{number + 1}"]',
                                   timeout=15_000)
    assert "Balances.transfer_keep_alive" in block.inner_text()
    signed = block.query_selector_all("li a")  # the inherent has no signer link
    assert [a.get_attribute("title") for a in signed] == [address("//Charlie")]
    assert page.evaluate("window.__sameDocument") is True
    assert page.locator("#head").inner_text().startswith(f"#{number + 1} ")
    page.screenshot(path=str(shots / "blocks.png"), full_page=True)
