"""Parameter sweeps (`phala-emu sweep`): a scenario file run over the grid product of
`--set` values × seeds, each run a Ray task on a chain of its own, results as one table."""
