"""`uam reconcile`: read back what a spoke holds, compare it with the resolved state, correct it.

`drift` compares (pure), `report` words the result (pure), `desired` reads the resolved state
from the compacted state topic or a replay folder, `runner` talks to Anaplan.
"""
