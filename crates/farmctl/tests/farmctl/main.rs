//! farmctl's integration tests: one binary, a module per area. They run the real `farmctl`,
//! the workspace's `core-server` (built beside it) and the legacy Python backend
//! (`make python`) under the foreground supervisor, each test in its own prefix and port.

mod install;
mod operate;
mod support;
mod switch;
mod upgrade;
