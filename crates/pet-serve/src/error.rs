//! Errors of the server and their HTTP statuses: a bad request is a 4xx with a
//! message that says what to change, never a panic or a bare 500.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

use pet_core::PetError;
use pet_view::ViewError;

/// Why the server could not start or serve.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] PetError),
    /// Building a runs table failed.
    #[error(transparent)]
    View(#[from] ViewError),
    /// The address could not be bound or served.
    #[error("cannot listen on {addr}: {source}; pick another port with --port")]
    Listen {
        /// The address.
        addr: std::net::SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
    /// The async runtime did not start.
    #[error("cannot start the server's runtime: {0}")]
    Runtime(std::io::Error),
}

/// An error answer: a status and a message, sent as `{"error": "…"}`.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// What went wrong and what to do.
    pub message: String,
}

impl ApiError {
    /// 400 with a message.
    pub fn bad(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }

    /// 404 with a message.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::NOT_FOUND,
            message: message.into(),
        }
    }
}

impl ApiError {
    /// The status a store error maps to (message left empty).
    fn from_store_status(e: &PetError) -> ApiError {
        let status = match e {
            PetError::NotFound(_) | PetError::NoTrajectory(_) | PetError::NoSuchRun { .. } => {
                StatusCode::NOT_FOUND
            }
            PetError::InvalidName { .. }
            | PetError::Ambiguous { .. }
            | PetError::TypeMismatch { .. }
            | PetError::InvalidValue(_) => StatusCode::BAD_REQUEST,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        ApiError {
            status,
            message: String::new(),
        }
    }
}

impl From<PetError> for ApiError {
    fn from(e: PetError) -> ApiError {
        ApiError {
            message: e.to_string(),
            ..ApiError::from_store_status(&e)
        }
    }
}

impl From<ViewError> for ApiError {
    fn from(e: ViewError) -> ApiError {
        let status = match &e {
            ViewError::Expr(_) | ViewError::UnknownColumn { .. } => StatusCode::BAD_REQUEST,
            ViewError::Unplottable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ViewError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ViewError::Store(inner) => {
                return ApiError {
                    message: e.to_string(),
                    ..ApiError::from_store_status(inner)
                }
            }
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        ApiError {
            status,
            message: e.to_string(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(serde_json::json!({ "error": self.message })),
        )
            .into_response()
    }
}
