//! pet-mongo: the MongoDB store (work in progress; see issue "pet-mongo").
