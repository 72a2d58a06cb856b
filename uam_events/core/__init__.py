"""The pure core: access semantics with no I/O. Adapters feed it events and read its outputs."""
