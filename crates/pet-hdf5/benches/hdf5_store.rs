//! Benchmark of the HDF5 store (placeholder).
fn main() {}
