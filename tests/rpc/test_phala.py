"""phala_* methods: the CLI's JSON shapes (`worker list`, `apr --json`, `worker offline`)."""

from __future__ import annotations

from pathlib import Path

from tests.rpc.conftest import REPO, cli, init_chain, start_server, stop_server


def test_phala_methods_answer_what_the_cli_prints(tmp_path: Path) -> None:
    base = tmp_path / "chain"
    init_chain(base, REPO / "genesis.json")  # simulated workers held by the node
    srv = start_server(base)
    try:
        workers = srv.call("phala_workers")
        assert len(workers) >= 2 and all(w["simulated"] for w in workers)
        pubkey = workers[0]["pubkey"]
        srv.call("dev_newBlock", {"count": 2})
        apr = srv.call("phala_apr")
        assert srv.call("phala_apr", None, "measured")["inputs"]["block_time_sec"]["source"] == \
            "measured"
        assert srv.error("phala_apr", 99)["code"] == -32602
        offline = srv.call("phala_workerOffline", pubkey)
        assert offline["pubkey"] == pubkey and offline["offline"] is True
        assert srv.error("phala_workerOffline", "0x" + "00" * 32)["code"] == -32602
        after = srv.call("phala_workers")
        head = srv.call("chain_getHeader")
    finally:
        assert stop_server(srv) == 0
    assert cli(base, "worker", "list") == after
    assert [w for w in after if w["pubkey"] == pubkey][0]["offline"] is True
    assert cli(base, "apr") == apr
    assert int(head["number"], 16) == cli(base, "head")["number"] == 2
    assert cli(base, "worker", "online", pubkey)["offline"] is False
