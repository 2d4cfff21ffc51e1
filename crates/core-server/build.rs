//! Rebuild when the embedded files change: rust-embed cannot track a folder that did not exist
//! at the first build (the dashboard built later), nor files added to one (a new migration).

fn main() {
    println!("cargo:rerun-if-changed=../../dashboard/dist");
    println!("cargo:rerun-if-changed=../../migrations");
}
