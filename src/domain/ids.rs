//! Typed identifiers: a `UserId` cannot be passed where a `ModelVersionId` is expected.
//!
//! Every entity with a UUID key has one. They are parsed at the edge (a path, a form, a
//! JSON body) and stored in TEXT columns through `db::sql_types`; a string that is not a
//! UUID never reaches the core. Keys that are not UUIDs (item and part codes, certificate
//! numbers, token hashes, content digests) stay strings.

use std::fmt;
use std::str::FromStr;

macro_rules! typed_id {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(transparent)]
        pub struct $name(uuid::Uuid);

        impl $name {
            /// A new id; v7 so that ids sort by creation time.
            pub fn new() -> Self {
                Self(uuid::Uuid::now_v7())
            }
            pub fn as_uuid(&self) -> uuid::Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                uuid::Uuid::parse_str(s).map(Self)
            }
        }
    )*};
}

typed_id!(
    /// A user: also an assessor, a reviewer or an enterprise member.
    UserId,
    ModelId,
    /// One immutable version of a model; rounds pin these.
    ModelVersionId,
    RoundId,
    EnterpriseId,
    EnterpriseGroupId,
    /// An enterprise's application for one part of a round; its panel, scores,
    /// clarifications and certificate hang off it.
    ApplicationId,
    /// One uploaded version of an evidence file.
    EvidenceId,
    /// A party the panel and review rules compare: an assessor organisation, an
    /// enterprise or an enterprise group (whose ties are ties to each of its enterprises).
    /// A declared conflict names one of these.
    OrganisationId,
    ClarificationId,
    ReviewPanelId,
    CertificateId,
    SelfAssessmentId,
    InvitationId,
    /// An enterprise's appeal against a decision on its application or certificate.
    AppealId,
    /// A complaint from anyone, registered once confirmed.
    ComplaintId,
    /// A surveillance of a certificate in force.
    SurveillanceId,
);

/// Enterprises are parties to the panel rules.
impl From<EnterpriseId> for OrganisationId {
    fn from(id: EnterpriseId) -> Self {
        Self(id.0)
    }
}

/// So are enterprise groups.
impl From<EnterpriseGroupId> for OrganisationId {
    fn from(id: EnterpriseGroupId) -> Self {
        Self(id.0)
    }
}

impl OrganisationId {
    /// The same id as an enterprise's, to find out whether the party is one.
    pub fn as_enterprise(self) -> EnterpriseId {
        EnterpriseId(self.0)
    }

    /// The same id as a group's, to find out whether the party is one.
    pub fn as_group(self) -> EnterpriseGroupId {
        EnterpriseGroupId(self.0)
    }
}

/// An id a request body names. Text that is not an id of this kind names nothing, so it
/// is kept as `None` and the use case refuses it exactly as it refuses an id no row has:
/// the same code, at the same point, whatever else is wrong with the request. The type
/// is parsed here, at the edge; the use case never sees the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Named<T>(Option<T>);

impl<T> Named<T> {
    /// The id, if the text was one.
    pub fn id(self) -> Option<T> {
        self.0
    }
}

impl<T: FromStr> Named<T> {
    /// Reads a form field as a JSON body's field is read.
    pub fn parse(text: &str) -> Self {
        Self(text.parse().ok())
    }
}

impl<T> From<T> for Named<T> {
    fn from(id: T) -> Self {
        Self(Some(id))
    }
}

/// An absent field names nothing.
impl<T> Default for Named<T> {
    fn default() -> Self {
        Self(None)
    }
}

impl<'de, T: FromStr> serde::Deserialize<'de> for Named<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Ok(Self::parse(&text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_text_and_sort_by_creation() {
        let a = UserId::new();
        let b = UserId::new();
        assert_eq!(a, a.to_string().parse().unwrap());
        assert!(a < b);
        assert!("not-a-uuid".parse::<UserId>().is_err());
    }

    #[test]
    fn a_named_id_that_is_not_one_names_nothing() {
        let id = EnterpriseGroupId::new();
        let named: Named<EnterpriseGroupId> =
            serde_json::from_value(serde_json::json!(id.to_string())).unwrap();
        assert_eq!(named.id(), Some(id));
        let named: Named<EnterpriseGroupId> =
            serde_json::from_value(serde_json::json!("not-a-uuid")).unwrap();
        assert_eq!(named.id(), None);
        assert!(serde_json::from_value::<Named<EnterpriseGroupId>>(serde_json::json!(7)).is_err());
    }
}
