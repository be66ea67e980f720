"""The ``chatcontract`` command line: one module per command, each thin."""
