"""The Faust workers: the router, the resolver agents and their RocksDB checkpoint tables.

The only package that imports faust. `app.py` is the composition root of the workers.
"""
