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
    /// An applying enterprise, another member of its group, or an assessor organisation:
    /// the parties the panel rules compare.
    OrganisationId,
    ClarificationId,
    ReviewPanelId,
    CertificateId,
    SelfAssessmentId,
    InvitationId,
);

/// Enterprises are organisations to the panel rules.
impl From<EnterpriseId> for OrganisationId {
    fn from(id: EnterpriseId) -> Self {
        Self(id.0)
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
}
