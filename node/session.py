"""What the chain commands share: opening the chain with CLI errors, progress on stderr."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from node.chain import Chain, ChainError
from node.cli.output import CliError
from node.genesis import GenesisError
from runtime.validity import TransactionValidityError


@contextmanager
def open_chain(args: Any) -> Iterator[Chain]:
    """The chain at `--base-path`; CliError (exit 2) when it is missing or unusable."""
    try:
        chain = Chain.open(args.base_path)
    except ChainError as exc:
        raise CliError(exc.kind, exc.message) from None
    try:
        from node.worker_sim import attach_simulator

        attach_simulator(chain)  # seal/tx/submit author the simulated workers' messages
        yield chain
    except ChainError as exc:
        raise CliError(exc.kind, exc.message) from None
    except TransactionValidityError as exc:
        raise CliError("InvalidTransaction", explain(exc)) from None
    finally:
        chain.close()


_REASONS = {
    "Call": "the extrinsic or its call does not decode",
    "Payment": "the signer cannot pay the tip from its transferable balance",
    "Future": "the nonce is ahead of the account's next nonce",
    "Stale": "the nonce was already used",
    "BadProof": "bad signature (wrong key, or signed for another genesis hash, spec version "
                "or era checkpoint)",
    "AncientBirthBlock": "the mortal era's birth block is no longer in BlockHash",
    "BadSigner": "the signer is the zero account",
    "ExhaustsResources": "the extrinsic does not fit into a block",
    "MandatoryValidation": "an inherent cannot be submitted as a transaction",
    "NoUnsignedValidator": "unsigned calls other than inherents are not accepted",
}


def explain(exc: TransactionValidityError) -> str:
    """`InvalidTransaction::Stale: the nonce was already used` and the like."""
    why = _REASONS.get(exc.reason)
    return f"{exc}: {why}" if why else str(exc)


def read_genesis_file(path: str) -> bytes:
    """The file's bytes; CliError("BadGenesis") when it cannot be read."""
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as exc:
        raise CliError("BadGenesis", f"cannot read genesis file {path}: {exc.strerror}") from None


def genesis_error(exc: GenesisError) -> CliError:
    return CliError("BadGenesis", str(exc))


def warn(message: str) -> None:
    sys.stderr.write(f"warning: {message}\n")


@contextmanager
def progress_bar(total: int, label: str, enabled: bool = True) -> Iterator[Callable[[int], None]]:
    """A rich progress bar on stderr for long runs; yields `update(done)`."""
    if not enabled or total < 200:
        yield lambda done: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress("[progress.description]{task.description}", BarColumn(),
                  MofNCompleteColumn(), TimeRemainingColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=total)
        last = [0]

        def update(done: int) -> None:
            if done - last[0] >= 50 or done == total:
                bar.update(task, completed=done)
                last[0] = done

        yield update
