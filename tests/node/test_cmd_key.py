"""`phala-emu key` through a real subprocess: JSON shape, derivation, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ALICE = "0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d"


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "node", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=60)


def test_inspect_alice_json_defaults_to_phala_prefix(vectors):
    proc = run_cli("--json", "key", "inspect", "//Alice")
    assert proc.returncode == 0, proc.stderr
    alice = vectors["dev_accounts"]["accounts"]["Alice"]
    assert json.loads(proc.stdout) == {
        "secret_uri": "//Alice", "public_key": ALICE, "account_id": ALICE,
        "ss58_address": alice["ss58_prefix_30"], "ss58_prefix": 30,
    }


def test_inspect_derived_path_with_prefix(vectors):
    stash = vectors["key_derivation"]["derived"]["//Alice//stash"]
    proc = run_cli("--json", "key", "inspect", "//Alice//stash", "--ss58-prefix", "42")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["public_key"] == stash["public_key"]
    assert out["ss58_address"] == stash["ss58_42"]
    assert out["ss58_prefix"] == 42


def test_inspect_human_output_is_an_untruncated_table():
    proc = run_cli("key", "inspect", "//Alice")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[1] == f"Public key (hex):  {ALICE}"
    assert lines[3] == "SS58 address:      45R2pfjQUW2s9PQRHU48HQKLKHVMaDja7N3wpBtmF28UYDs2"


def test_generate_24_words_is_inspectable():
    proc = run_cli("--json", "key", "generate", "--words", "24")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert len(out["secret_uri"].split()) == 24
    again = json.loads(run_cli("--json", "key", "inspect", out["secret_uri"]).stdout)
    assert again == out


def test_invalid_secret_uri_exits_2_with_json_error():
    proc = run_cli("--json", "key", "inspect", "not a phrase")
    assert proc.returncode == 2
    assert json.loads(proc.stdout) == {
        "error": "InvalidSecretUri",
        "message": "secret phrase has 3 word(s); a BIP39 mnemonic has 12, 15, 18, 21 or 24",
    }
    assert proc.stderr.startswith("error: secret phrase has 3 word(s)")


def test_reserved_prefix_exits_2():
    proc = run_cli("--json", "key", "inspect", "//Alice", "--ss58-prefix", "46")
    assert proc.returncode == 2
    assert json.loads(proc.stdout) == {"error": "InvalidSs58Prefix",
                                       "message": "SS58 prefix 46 is reserved"}


def test_bad_word_count_is_an_argument_error():
    proc = run_cli("--json", "key", "generate", "--words", "15")
    assert proc.returncode == 2
    assert json.loads(proc.stdout)["error"] == "BadInput"
