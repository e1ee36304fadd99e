//! The security schemes admin and write endpoints take as a parameter. The middleware
//! has already verified the credentials; the schemes read its result, document bearer
//! (JWT or API key) and `X-API-Key` in the spec, and check the role.

use entities::enums::Role;
use poem::Request;
use poem_openapi::SecurityScheme;
use poem_openapi::auth::{ApiKey, Bearer};

use super::Principal;
use crate::envelope::ApiError;

/// `Authorization: Bearer <JWT or kk_ API key>`.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", bearer_format = "JWT or kk_ API key", checker = "from_bearer")]
pub struct BearerAuth(pub Principal);

/// `X-API-Key: kk_…`.
#[derive(SecurityScheme)]
#[oai(ty = "api_key", key_name = "X-API-Key", key_in = "header", checker = "from_key")]
pub struct KeyAuth(pub Principal);

async fn from_bearer(req: &Request, _: Bearer) -> Option<Principal> {
    req.extensions().get::<Principal>().cloned()
}

async fn from_key(req: &Request, _: ApiKey) -> Option<Principal> {
    req.extensions().get::<Principal>().cloned()
}

/// Either scheme.
#[derive(SecurityScheme)]
pub enum Credentials {
    Bearer(BearerAuth),
    Key(KeyAuth),
}

impl Credentials {
    pub fn principal(&self) -> &Principal {
        match self {
            Credentials::Bearer(BearerAuth(p)) | Credentials::Key(KeyAuth(p)) => p,
        }
    }

    /// The caller, when its role is at least `needed`; FORBIDDEN otherwise.
    pub fn require(&self, needed: Role) -> Result<&Principal, ApiError> {
        let p = self.principal();
        if p.may(needed) {
            Ok(p)
        } else {
            Err(ApiError::Forbidden(format!("this action needs the {} role", role_name(needed))))
        }
    }
}

pub fn role_name(role: Role) -> &'static str {
    match role {
        Role::Member => "member",
        Role::Reader => "reader",
        Role::Operator => "operator",
        Role::Admin => "admin",
    }
}
