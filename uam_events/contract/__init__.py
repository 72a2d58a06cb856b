"""The wire contract: pydantic models of every payload uam-events reads or writes.

The boundary only: `decode` turns input bytes into the core's frozen dataclasses, `schemas`
generates `schemas/` from these models, and `problems` words validation errors as
`path: problem; fix: ...`.
"""
