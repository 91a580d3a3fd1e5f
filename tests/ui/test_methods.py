"""The dashboard's phala_* read methods: exact answers on the staking chain, pages, sorts,
errors, and what GET / serves (or not, with --no-ui)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.rpc.conftest import REPO, init_chain, post
from tests.ui.conftest import PHA, Staking, address


def get(url: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as resp:
            return resp.status, resp.headers["Content-Type"], resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["Content-Type"], exc.read().decode()


def test_pools_pages_and_sorts(staking: Staking) -> None:
    srv = staking.server
    page = srv.call("phala_pools")
    assert page["total"] == 2 and page["offset"] == 0
    p0, p1 = page["items"]
    apr0 = staking.apr["pools"][0]
    assert p0 == {"pid": 0, "owner": address("//Alice"), "commission_permill": 200_000,
                  "cap": None, "total_stake": 11_000 * PHA, "free_stake": 0,
                  "releasing_stake": 0, "total_shares": 11_000 * PHA, "owner_reward": 0,
                  "workers": 2, "queue": 1, "apr": apr0["apr"],
                  "apr_multiplier": apr0["apr_multiplier"],
                  # the window (a day, here since genesis) began before the pool existed
                  "realised_apr": None,
                  "realised_window": {"from": 0, "to": staking.head["number"],
                                      "ms": staking.head["number"] * 12_000}}
    assert p1["owner"] == address("//Bob") and p1["free_stake"] == 1_000 * PHA
    assert (p1["workers"], p1["queue"], p1["apr"]) == (0, 0, staking.apr["pools"][1]["apr"])
    assert p1["apr"]["decimal"] == "0.000000000000000000"  # stake but no worker
    assert srv.call("phala_pools", 1, 1) == {"total": 2, "offset": 1, "items": [p1]}
    pids = [[r["pid"] for r in srv.call("phala_pools", 0, 50, s, o)["items"]]
            for s, o in [("workers", "asc"), ("workers", "desc"), ("total_stake", "asc"),
                         ("apr", "asc"), ("apr", "desc"), ("free_stake", "desc")]]
    assert pids == [[1, 0], [0, 1], [1, 0], [1, 0], [0, 1], [1, 0]]


def test_pool_queue_workers_stakers_account(staking: Staking) -> None:
    srv = staking.server
    now_s = staking.head["timestamp_ms"] // 1000
    pool = srv.call("phala_pool", 0)
    assert pool["queue_items"] == [{"who": address("//Eve"), "shares": 5_000 * PHA,
                                    "start_time_sec": now_s, "age_sec": 0}]
    assert (pool["stakers"], pool["now_ms"], pool["description"]) == \
        (2, staking.head["timestamp_ms"], None)
    workers = srv.call("phala_poolWorkers", 0)
    assert workers["total"] == 2
    assert [(w["pubkey"], w["state"], w["stake"]) for w in workers["items"]] == [
        (staking.apr["pools"][0]["workers"][0]["pubkey"], "MiningIdle", 5_000 * PHA),
        (staking.apr["pools"][0]["workers"][1]["pubkey"], "MiningIdle", 6_000 * PHA)]
    assert srv.call("phala_poolWorkers", 0, 1, 1)["items"] == workers["items"][1:]
    stakers = srv.call("phala_poolStakers", 0)
    assert [(s["who"], s["shares"], s["locked"]) for s in stakers["items"]] == [
        (address("//Eve"), 7_000 * PHA, 7_000 * PHA),
        (address("//Alice"), 4_000 * PHA, 4_000 * PHA)]
    eve = srv.call("phala_account", address("//Eve"))
    assert (eve["locked_stake"], eve["owned_pools"], eve["nonce"]) == (7_000 * PHA, [], 2)
    assert eve["pools"] == [{"pid": 0, "shares": 7_000 * PHA, "locked": 7_000 * PHA,
                             "available_rewards": 0, "pending_rewards": 0,
                             "queued_shares": 5_000 * PHA}]
    assert srv.call("phala_account", "//Bob")["owned_pools"] == [1]


def test_blocks_network_and_forecast(staking: Staking) -> None:
    srv = staking.server
    head = staking.head["number"]
    blocks = srv.call("phala_blocks", None, 3)
    assert blocks["head"] == head
    assert [b["number"] for b in blocks["items"]] == [head, head - 1, head - 2]
    top = blocks["items"][0]
    assert top["hash"] == staking.head["hash"]
    assert [(x["signer"], x["call"]["pallet"], x["call"]["call"]) for x in top["extrinsics"]] \
        == [(None, "Timestamp", "set"), (address("//Eve"), "PhalaStakePool", "withdraw")]
    assert srv.call("phala_block", top["hash"]) == top == srv.call("phala_block", head)
    assert [b["number"] for b in srv.call("phala_blocks", 1, 5)["items"]] == [1, 0]
    net = srv.call("phala_network")
    assert net["head"]["number"] == head and net["pools"] == 2
    assert net["phasrb"] == staking.apr["phasrb"]
    assert net["workers_by_state"] == {"MiningIdle": 2}
    assert net["delegated_tokens"] == 12_000 * PHA and net["staking_wallets"] == 3
    assert srv.call("phala_forecastWithdrawal", 0, address("//Eve")) == staking.forecast
    assert srv.call("phala_forecastApr", 0, 0.01) == staking.forecast_apr
    assert srv.error("phala_forecastApr", 7)["data"] == "phala_forecastApr: no pool 7"
    assert srv.error("phala_forecastApr", 0, "x")["data"] == "phala_forecastApr: days is a number"


def test_history_samples_genesis_to_head(staking: Staking) -> None:
    srv = staking.server
    head = staking.head
    v = [w["v"]["bits"] for w in srv.call("phala_poolWorkers", 0)["items"]]
    start, end = srv.call("phala_history", 2, 0)
    assert start == {"number": 0, "timestamp_ms": 0, "owner_reward": 0, "total_stake": 0,
                     "queue_shares": 0, "mining_workers": 0, "v_mean": None, "rewards": 0}
    assert end["v_mean"]["bits"] == sum(v) // 2
    assert {k: x for k, x in end.items() if k != "v_mean"} == {
        "number": head["number"], "timestamp_ms": head["timestamp_ms"], "owner_reward": 0,
        "total_stake": 11_000 * PHA, "queue_shares": 5_000 * PHA, "mining_workers": 2,
        "rewards": 0}
    network = srv.call("phala_history", 4)
    assert [p["number"] for p in network] == [0, 16, 32, 41] and head["number"] == 41
    assert network[-1]["mining_workers"] == 2 and "total_stake" not in network[-1]
    assert srv.call("phala_history", 2, 1)[-1]["mining_workers"] == 0


def test_history_grid_stays_put_as_the_head_moves() -> None:
    from node.rpc.methods_dashboard import history_numbers

    assert history_numbers(0, 30) == [0]
    assert history_numbers(29, 30) == list(range(30))
    assert history_numbers(30, 30) == [*range(0, 30, 2), 30]
    assert history_numbers(41, 4) == [0, 16, 32, 41]
    assert history_numbers(47, 4) == [0, 16, 32, 47]
    assert all(len(history_numbers(h, 30)) <= 30 for h in range(5000))


def test_errors(staking: Staking) -> None:
    srv = staking.server
    cases = [("phala_pools", [0, 0]), ("phala_pools", [0, 501]), ("phala_pools", [-1]),
             ("phala_pools", [0, 10, "size"]), ("phala_pools", [0, 10, "pid", "up"]),
             ("phala_pool", [9]), ("phala_pool", []), ("phala_poolWorkers", [9]),
             ("phala_account", ["nonsense"]), ("phala_account", []),
             ("phala_blocks", [None, 51]), ("phala_block", ["0x" + "00" * 32]),
             ("phala_block", [10**6]), ("phala_forecastWithdrawal", [1, address("//Eve")]),
             ("phala_history", [1]), ("phala_history", [61]), ("phala_history", [30, 9])]
    for name, params in cases:
        assert srv.error(name, *params)["code"] == -32602, (name, params)
    assert srv.error("phala_pool", 9) == {"code": -32602, "message": "Invalid params",
                                          "data": "phala_pool: no pool 9"}
    assert srv.error("phala_block", 10**6)["data"] == \
        f"phala_block: no block #1000000 (head is #{staking.head['number']})"
    assert srv.error("phala_forecastWithdrawal", 1, address("//Eve"))["data"] == \
        f"phala_forecastWithdrawal: {address('//Eve')} has no queued withdrawal in pool 1 " \
        "(--shares N forecasts a new one)"


def test_get_serves_the_dashboard(staking: Staking) -> None:
    http = staking.server.http
    status, ctype, body = get(http + "/")
    assert status == 200 and ctype.startswith("text/html") and "<title>phala-emu" in body
    status, ctype, body = get(http + "/ui/app.js")
    assert status == 200 and ctype.startswith("text/javascript") and "phala_pools" in body
    assert get(http + "/ui/__init__.py")[0] == 404
    assert get(http + "/ui/..%2f__init__.py")[0] == 404
    assert get(http + "/ui/nothing.js")[0] == 404


def test_the_page_is_its_own_origin_under_any_host_name(staking: Staking) -> None:
    """Opened as http://HOST:PORT/ (e.g. with --rpc-external), its requests carry that
    origin, which the default CORS list does not name."""
    port = staking.server.http.rsplit(":", 1)[1]
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "system_chain", "params": []})

    def status(origin: str) -> int:
        req = urllib.request.Request(staking.server.http, data=body.encode(), headers={
            "Content-Type": "application/json", "Host": f"node.example:{port}",
            "Origin": origin})
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return int(resp.status)
        except urllib.error.HTTPError as exc:
            return exc.code

    assert status(f"http://node.example:{port}") == 200
    assert status("http://elsewhere.example") == 403


@pytest.mark.parametrize("json_mode", [True, False])
def test_serve_prints_the_dashboard_url_unless_no_ui(tmp_path: Path, json_mode: bool) -> None:
    """Human mode prints the URL and serves the page; --json --no-ui: null, GET / is 405."""
    base = tmp_path / "chain"
    init_chain(base)
    proc = subprocess.Popen(
        [sys.executable, "-m", "node", "--base-path", str(base),
         *(["--json"] if json_mode else []), "serve", "--rpc-port", "0",
         *(["--no-ui"] if json_mode else [])],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
    try:
        assert proc.stdout is not None
        if json_mode:
            info = json.loads(proc.stdout.readline())
            assert info["dashboard"] is None
            http = info["url"].replace("ws://", "http://")
            assert get(http + "/")[0] == 405
            assert get(http + "/ui/app.js")[0] == 404
            assert post(http, {"jsonrpc": "2.0", "id": 1, "method": "phala_pools",
                               "params": []})["result"]["total"] == 0
            return
        assert proc.stdout.readline().startswith("serving ws://127.0.0.1:")
        line = proc.stdout.readline()
        assert line.startswith("dashboard: open http://127.0.0.1:"), line
        url = line.split()[2]
        status, ctype, body = get(url)
        assert (status, ctype.split(";")[0]) == (200, "text/html") and "/ui/app.js" in body
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0
        for f in (proc.stdout, proc.stderr):
            if f is not None:
                f.close()
