//! The typed access layer: declare a struct of parameters once, read it for a run.
//!
//! ```
//! use pet_core::{parameters, vals, Trajectory, Parameters};
//!
//! parameters! {
//!     /// What the simulation needs.
//!     pub struct Sim {
//!         pub x: f64,
//!         pub steps: i64,
//!         pub weight: f64 => "syn.w",
//!     }
//! }
//!
//! let mut t = Trajectory::new("typed")?;
//! t.add_parameter("x", 0.0, "")?;
//! t.add_parameter("steps", 100i64, "")?;
//! t.add_parameter("syn.w", 0.5, "")?;
//! t.explore([("x", vals([1.0, 2.0]))])?;
//! let run = t.run(1)?;
//! let p: Sim = run.params()?;
//! assert_eq!((p.x, p.steps, p.weight), (2.0, 100, 0.5));
//! # Ok::<(), pet_core::PetError>(())
//! ```

use crate::value::Value;
use crate::Result;

/// Something that yields parameter values by name for one run.
pub trait ParamSource {
    /// The value of a parameter by path or shortcut.
    fn param_value(&self, name: &str) -> Result<&Value>;
}

impl ParamSource for crate::Run<'_> {
    fn param_value(&self, name: &str) -> Result<&Value> {
        self.value(name)
    }
}

impl ParamSource for crate::RunPoint<'_> {
    fn param_value(&self, name: &str) -> Result<&Value> {
        self.value(name)
    }
}

/// A struct of parameters read in one go; implement it with [`parameters!`](crate::parameters).
pub trait Parameters: Sized {
    /// The parameter names (paths or shortcuts) the struct reads.
    fn names() -> &'static [&'static str];
    /// Reads every field from `src`, strictly typed.
    fn read(src: &dyn ParamSource) -> Result<Self>;
}

impl crate::Run<'_> {
    /// Reads a [`Parameters`] struct for this run.
    pub fn params<P: Parameters>(&self) -> Result<P> {
        P::read(self)
    }
}

impl crate::RunPoint<'_> {
    /// Reads a [`Parameters`] struct for this run.
    pub fn params<P: Parameters>(&self) -> Result<P> {
        P::read(self)
    }
}

/// Declares a struct whose fields are parameters, and implements [`Parameters`] for it.
/// A field reads the parameter with its own name, or the path after `=>`.
#[macro_export]
macro_rules! parameters {
    ($(#[$m:meta])* $vis:vis struct $name:ident {
        $($(#[$fm:meta])* $fvis:vis $field:ident : $ty:ty $(=> $path:literal)?),* $(,)?
    }) => {
        $(#[$m])* $vis struct $name { $($(#[$fm])* $fvis $field: $ty),* }
        impl $crate::Parameters for $name {
            fn names() -> &'static [&'static str] {
                &[$($crate::__pet_param_name!($field $(, $path)?)),*]
            }
            fn read(src: &dyn $crate::typed::ParamSource) -> $crate::Result<Self> {
                Ok($name {
                    $($field: {
                        let n = $crate::__pet_param_name!($field $(, $path)?);
                        <$ty as $crate::FromValue>::from_value_at(src.param_value(n)?, n)?
                    }),*
                })
            }
        }
    };
}

/// Field name or explicit path (internal helper of [`parameters!`](crate::parameters)).
#[doc(hidden)]
#[macro_export]
macro_rules! __pet_param_name {
    ($f:ident) => {
        stringify!($f)
    };
    ($f:ident, $p:literal) => {
        $p
    };
}
