"""The sink's pure part: coalescing, planning, the guard, pending rows and the schedule.

`uam sink` (the thin pusher around it) consumes `uam.access.<spoke>`, folds deltas into the
desired state (`coalescing`), plans each run against the acknowledged state (`planner`), lets
the accidental-deletion guard hold it (`guard`), pushes the files, then records what the spoke
acknowledged and parks what it rejected (`outcome`). Only `store` touches a disk (RocksDB).
"""
