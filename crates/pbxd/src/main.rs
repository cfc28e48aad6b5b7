//! pbxd
fn main() {}
