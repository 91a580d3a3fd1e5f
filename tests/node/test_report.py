"""`report`: the four charts are valid PNGs of the promised size and summary.txt states
the head and the supply accounts; the CLI prints the file list as one JSON document."""

from __future__ import annotations

import struct
from pathlib import Path

from node.report import CHARTS, render, sample_numbers
from node.worker_sim import attach_simulator
from tests.node.conftest import ok
from tests.node.test_worker_sim import mining_chain

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC and data[12:16] == b"IHDR" and data[-8:-4] == b"IEND"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_sample_numbers_are_even_and_include_both_ends() -> None:
    assert sample_numbers(4, 200) == [0, 1, 2, 3, 4]
    assert sample_numbers(1000, 5) == [0, 250, 500, 750, 1000]


def test_report_writes_pngs_and_summary(tmp_path: Path) -> None:
    chain, run = mining_chain(tmp_path / "c", ("Worker1", "Worker2"))
    with chain:
        attach_simulator(chain)
        chain.seal(400)
        # 8,000 PHA free: 1,000 of it waits in the queue
        run.tx("//Charlie", "PhalaStakePool", "withdraw", 0, 9_000 * 10**12)
        chain.seal(20)
        result = render(chain, tmp_path / "out", samples=50)
        head = chain.head()
        base = chain.base_path
    out = tmp_path / "out"
    assert sorted(Path(f).name for f in result["files"]) == sorted([*CHARTS, "summary.txt"])
    for name in CHARTS:
        assert png_size(out / name) == (1000, 550)
    summary = (out / "summary.txt").read_text()
    assert f"block #{head.number} 0x{head.hash().hex()}" in summary
    assert "withdraw queue: 1 request(s)" in summary
    assert result["income"][0]["owner"] > 0 and result["income"][0]["delegators"] > 0
    assert result["samples"] == 50
    cli = ok(base, "report", "--out", str(tmp_path / "cli"), "--samples", "10")
    assert len(cli["files"]) == 5 and cli["samples"] == 10
    assert (tmp_path / "cli" / "summary.txt").read_text() == summary
