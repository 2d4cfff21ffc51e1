"""Farm Controller's legacy core server: the Rust core-server's REST contract on the same SQLite
database, in Python. It is the parity oracle and the rollback target, so it answers byte for byte
what the Rust server answers."""

VERSION = "0.1.0"
