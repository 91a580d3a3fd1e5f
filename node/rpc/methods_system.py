"""system_* (node facts, pool-aware nonces, dry runs) and payment_* (no fees are charged)."""

from __future__ import annotations

from typing import Any

from node.at_block import METHODS, RuntimeApiError, state_call
from node.at_block import dry_run as dry_run_at
from node.chain import Chain
from node.rpc.errors import RpcError, client_error, invalid_params
from node.rpc.methods_chain import hexs
from node.rpc.params import Params
from node.rpc.registry import Ctx, method
from runtime.extrinsic import Extrinsic, ExtrinsicFormatError
from runtime.keys import InvalidAccount, parse_account
from runtime.scale import ScaleDecodeError

NODE_VERSION = "0.1.0"
# a stable libp2p-looking id: the emulator has no network
LOCAL_PEER_ID = "12D3KooWPhaLaEmuLat0rN0deN0NetW0rkPeer1dAbCdEfGhiJk"


@method("system_name", max_params=0)
def system_name(ctx: Ctx, params: Params) -> Any:
    return "phala-emu"


@method("system_version", max_params=0)
def system_version(ctx: Ctx, params: Params) -> Any:
    return NODE_VERSION


@method("system_chain", max_params=0)
def system_chain(ctx: Ctx, params: Params) -> Any:
    return ctx.service.chain.genesis.name


@method("system_chainType", max_params=0)
def system_chain_type(ctx: Ctx, params: Params) -> Any:
    return "Development"


@method("system_properties", max_params=0)
def system_properties(ctx: Ctx, params: Params) -> Any:
    return {"ss58Format": ctx.service.chain.genesis.ss58_format, "tokenDecimals": 12,
            "tokenSymbol": "PHA"}


@method("system_health", max_params=0)
def system_health(ctx: Ctx, params: Params) -> Any:
    return {"peers": 0, "isSyncing": False, "shouldHavePeers": False}


@method("system_peers", max_params=0)
def system_peers(ctx: Ctx, params: Params) -> Any:
    return []


@method("system_localPeerId", max_params=0)
def system_local_peer_id(ctx: Ctx, params: Params) -> Any:
    return LOCAL_PEER_ID


@method("system_nodeRoles", max_params=0)
def system_node_roles(ctx: Ctx, params: Params) -> Any:
    return ["Authority"]


@method("system_syncState", max_params=0)
def system_sync_state(ctx: Ctx, params: Params) -> Any:
    n = ctx.service.head.number
    return {"startingBlock": 0, "currentBlock": n, "highestBlock": n}


@method("system_accountNextIndex", "account_nextIndex")
async def account_next_index(ctx: Ctx, params: Params) -> Any:
    params.ensure_at_most(1)
    text = params.raw(0)
    if not isinstance(text, str):
        raise invalid_params("system_accountNextIndex: expected an SS58 or 0x account")
    try:
        who = parse_account(text)
    except InvalidAccount as exc:
        raise invalid_params(f"system_accountNextIndex: {exc}") from None
    return await ctx.service.call(lambda chain: chain.next_nonce(who), ctx.service.chain)


@method("system_dryRun", "system_dryRunAt")
async def dry_run(ctx: Ctx, params: Params) -> Any:
    """The SCALE ApplyExtrinsicResult of the extrinsic on the state after the block."""
    params.ensure_at_most(2)
    tx = params.hex_bytes(0, "extrinsic")
    at = params.opt_hash(1)
    def run(chain: Chain) -> bytes:
        from node.rpc.methods_chain import header_at

        try:
            return dry_run_at(chain, header_at(chain, at), tx)  # type: ignore[no-any-return]
        except RuntimeApiError as exc:
            raise client_error(str(exc)) from None

    return hexs(await ctx.service.call(run, ctx.service.chain))


async def _check_extrinsic(ctx: Ctx, params: Params) -> None:
    """The extrinsic decodes and the block (if given) exists."""
    from node.rpc.methods_chain import header_at

    params.ensure_at_most(2)
    try:
        Extrinsic.decode(params.hex_bytes(0, "extrinsic"))
    except (ExtrinsicFormatError, ScaleDecodeError) as exc:
        raise RpcError(-32602, "Invalid params", f"{params.method}: {exc}") from None
    at = params.opt_hash(1)
    if at is not None and at != ctx.service.head_hash:
        await ctx.service.call(header_at, ctx.service.chain, at)


async def _payment_api(ctx: Ctx, params: Params, name: str) -> Any:
    """TransactionPaymentApi_<name>(extrinsic, length) at the block, decoded: the RPC
    answers what the runtime API does (an inherent is Mandatory, an unsigned extrinsic
    has no inclusion fee)."""
    from node.rpc.methods_chain import header_at

    await _check_extrinsic(ctx, params)
    tx = params.hex_bytes(0, "extrinsic")
    at = params.opt_hash(1)
    method = f"TransactionPaymentApi_{name}"

    def run(chain: Chain) -> Any:
        data = tx + len(tx).to_bytes(4, "little")
        try:
            raw = state_call(chain, header_at(chain, at), method, data)
        except RuntimeApiError as exc:
            raise client_error(str(exc)) from None
        return chain.rt.resolve(METHODS[method].output).decode(raw)

    return await ctx.service.call(run, ctx.service.chain)


@method("payment_queryInfo")
async def payment_query_info(ctx: Ctx, params: Params) -> Any:
    info = await _payment_api(ctx, params, "query_info")
    return {"weight": info["weight"], "class": info["class"].name.lower(),
            "partialFee": str(info["partial_fee"])}


@method("payment_queryFeeDetails")
async def payment_query_fee_details(ctx: Ctx, params: Params) -> Any:
    details = await _payment_api(ctx, params, "query_fee_details")
    fee = details["inclusion_fee"]
    if fee is None:
        return {"inclusionFee": None}
    return {"inclusionFee": {"baseFee": hex(fee["base_fee"]), "lenFee": hex(fee["len_fee"]),
                             "adjustedWeightFee": hex(fee["adjusted_weight_fee"])}}
