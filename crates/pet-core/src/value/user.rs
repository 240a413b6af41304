//! User-defined types: a trait, CBOR payloads, and a registry of decoders.
//!
//! A user type is stored as its registered name plus a self-describing CBOR
//! payload. Loading never runs code chosen by the file: an unknown type stays an
//! opaque [`UserValue`] that can still be shown, copied and migrated; decoding
//! happens only through a decoder the program registered for that name.

use std::any::Any;
use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::{PetError, Result};

/// A Rust type that pet can store: serde-serialisable and known by a stable name.
pub trait UserType: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The stable name written to the store (for example `"mylab.Neuron/1"`).
    const TYPE_NAME: &'static str;
}

/// A stored user value: its type name and its CBOR-encoded payload.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserValue {
    /// The registered type name.
    pub type_name: String,
    /// CBOR bytes.
    pub payload: Vec<u8>,
}

impl UserValue {
    /// Encodes a user value.
    pub fn encode<T: UserType>(value: &T) -> Result<Self> {
        let mut payload = Vec::new();
        ciborium::into_writer(value, &mut payload).map_err(|e| PetError::UserType {
            type_name: T::TYPE_NAME.to_string(),
            reason: format!("cannot encode: {e}"),
        })?;
        Ok(UserValue {
            type_name: T::TYPE_NAME.to_string(),
            payload,
        })
    }

    /// Decodes into `T`, checking that the stored type name is `T::TYPE_NAME`.
    pub fn decode<T: UserType>(&self) -> Result<T> {
        if self.type_name != T::TYPE_NAME {
            return Err(PetError::UserType {
                type_name: self.type_name.clone(),
                reason: format!("stored value is not a '{}'", T::TYPE_NAME),
            });
        }
        ciborium::from_reader(self.payload.as_slice()).map_err(|e| PetError::UserType {
            type_name: self.type_name.clone(),
            reason: format!("cannot decode payload: {e}"),
        })
    }

    /// The payload as generic CBOR rendered to JSON, for tools that lack the type.
    pub fn to_json(&self) -> Result<serde_json::Value> {
        let v: ciborium::Value =
            ciborium::from_reader(self.payload.as_slice()).map_err(|e| PetError::UserType {
                type_name: self.type_name.clone(),
                reason: format!("payload is not CBOR: {e}"),
            })?;
        serde_json::to_value(&v).map_err(|e| PetError::UserType {
            type_name: self.type_name.clone(),
            reason: format!("payload has no JSON form: {e}"),
        })
    }
}

type Decoder = fn(&UserValue) -> Result<Box<dyn Any + Send + Sync>>;

/// Maps type names to decoders, the safe analogue of pypet's `dynamic_imports`.
#[derive(Default, Clone)]
pub struct UserTypeRegistry {
    decoders: BTreeMap<String, Decoder>,
}

impl std::fmt::Debug for UserTypeRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.decoders.keys()).finish()
    }
}

fn decode_boxed<T: UserType>(v: &UserValue) -> Result<Box<dyn Any + Send + Sync>> {
    Ok(Box::new(v.decode::<T>()?))
}

impl UserTypeRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `T` under `T::TYPE_NAME`.
    pub fn register<T: UserType>(&mut self) -> &mut Self {
        self.decoders
            .insert(T::TYPE_NAME.to_string(), decode_boxed::<T> as Decoder);
        self
    }

    /// True when a decoder exists for this name.
    pub fn knows(&self, type_name: &str) -> bool {
        self.decoders.contains_key(type_name)
    }

    /// Decodes with the registered decoder; unknown names are an error saying what to register.
    pub fn decode(&self, value: &UserValue) -> Result<Box<dyn Any + Send + Sync>> {
        match self.decoders.get(&value.type_name) {
            Some(d) => d(value),
            None => Err(PetError::UserType {
                type_name: value.type_name.clone(),
                reason: "no decoder registered; call registry.register::<YourType>()".into(),
            }),
        }
    }
}
