//! pet-hdf5: the HDF5 store (work in progress; see issue "pet-hdf5").
