"""`phala-emu serve`: Substrate's legacy JSON-RPC over aiohttp (spec rpc.md).

    transport.py  HTTP POST + WebSocket on one listener, JSON-RPC 2.0 framing, limits
    service.py    the chain's owner in the server: one worker thread, authoring, heads
    notify.py     subscriptions and their notifications
    methods_*.py  the method table, one module per group
"""
