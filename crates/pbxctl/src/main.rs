//! pbxctl
fn main() {}
