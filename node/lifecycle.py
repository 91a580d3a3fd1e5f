"""The README's main job (`make run`): a dev chain end to end through the real CLI.

Initializes a chain from the repository's genesis.json in `./.phala-emu-run`, submits
a few signed transfers (two queued, one instant-sealed), seals blocks, exports them
and replays them from genesis through the full executor, then prints what happened.
Exits 0 when the replay reproduces the head, 1 otherwise. (A later issue replaces
this with the full staking lifecycle.)
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

from node.cli import main as cli_main

BASE = Path(".phala-emu-run")


def phala(*args: str) -> Any:
    """Run one CLI command in-process with --json; its JSON result (exit on failure)."""
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = cli_main(["--base-path", str(BASE / "chain"), "--json", *args])
    if code != 0:
        sys.stderr.write(f"phala-emu {' '.join(args)} failed ({code}): {buf.getvalue()}")
        sys.exit(code)
    return json.loads(buf.getvalue())


def main() -> int:
    shutil.rmtree(BASE, ignore_errors=True)
    genesis = "genesis.json" if Path("genesis.json").is_file() else None
    head = phala("init", *(["--genesis", genesis] if genesis else []))
    print(f"genesis  #{head['number']} {head['hash']}")
    phala("tx", "--no-seal", "Balances", "transfer_keep_alive", "//Bob", "1000000000000")
    phala("tx", "--no-seal", "--signer", "//Bob", "Balances", "transfer_allow_death",
          "//Charlie", "250000000000")
    res = phala("tx", "--signer", "//Charlie", "Balances", "transfer_keep_alive", "//Dave",
                "125000000000")
    print(f"block    #{res['block_number']} {res['block_hash']}: 3 signed transfers, "
          f"last one success={res['success']}")
    blocks = phala("seal", "--count", "10")
    print(f"sealed   #{blocks[0]['number']}..#{blocks[-1]['number']} (empty blocks)")
    for who in ("//Alice", "//Bob", "//Charlie", "//Dave"):
        acct = phala("query", "System", "Account", who)
        print(f"  {who:<9} nonce {acct['nonce']}  free {acct['data']['free']:>22} planck")
    out = BASE / "blocks"
    exported = phala("export-blocks", "--out", str(out))
    print(f"exported {exported['blocks']} block files to {out}")
    head = phala("head")
    replayed = phala("replay", "--genesis", str(out / "genesis.json"), str(out))
    same = replayed["hash"] == head["hash"] and replayed["state_root"] == head["state_root"]
    print(f"replayed #{replayed['number']} {replayed['hash']}\n"
          f"         state root {replayed['state_root']}: "
          f"{'identical to the author' if same else 'DIFFERENT from the author'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
