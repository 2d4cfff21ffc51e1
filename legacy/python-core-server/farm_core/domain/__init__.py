"""Types and rules of the farm controller, free of HTTP and SQL (mirrors the Rust `domain` module)."""
