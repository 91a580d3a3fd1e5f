"""Scenario files (scenarios/README.md): a network, pools, delegators and a timeline of
actions, run on a real chain by `phala-emu scenario run FILE`."""
