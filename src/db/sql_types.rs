//! Typed values in text columns, on both backends.
//!
//! The domain knows nothing of diesel, so its types are taught to the database here:
//! [`text_column!`] stores a type through `Display` and reads it back through `FromStr`,
//! and [`Json`] stores any serde value as JSON text. A stored value that does not read
//! back is a deserialisation error (the request fails with a 500 and the cause in the
//! log), never a panic and never a silent default.

use std::fmt;
use std::io::Write;
use std::ops::Deref;

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow, Queryable};
use diesel::dsl::AsExprOf;
use diesel::expression::AsExpression;
use diesel::pg::Pg;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::{Nullable, Text};
use diesel::sqlite::Sqlite;
use diesel::IntoSql;

use crate::db::models::mail::OutboxStatus;
use crate::db::MultiBackend;
use crate::domain::access::Role;
use crate::domain::appeal::AppealStatus;
use crate::domain::application_status::Status;
use crate::domain::assign::Preference;
use crate::domain::complaint::ComplaintStatus;
use crate::domain::ids::{
    AppealId, ApplicationId, CertificateId, ClarificationId, ComplaintId, EnterpriseGroupId,
    EnterpriseId, EvidenceId, InvitationId, ModelId, ModelVersionId, OrganisationId, ReviewPanelId,
    RoundId, SelfAssessmentId, SurveillanceId, UserId,
};
use crate::domain::panel::OrganisationKind;
use crate::domain::scoring::{Basis, ScoreStatus};
use crate::domain::surveillance::SurveillanceStatus;

/// Maps types to TEXT columns by their text form (`Display` to write, `FromStr` to read), so
/// that row structs hold them directly and queries compare with them (`status.eq(to)`).
/// Fits enums whose `Display` is the stored name, and id newtypes.
///
/// These are the impls `#[derive(AsExpression, FromSqlRow)]` and hand-written
/// `ToSql`/`FromSql` would give, written here because the domain types may not carry diesel
/// attributes. `ToSql` is what lets `Option<T>` fill a nullable column.
macro_rules! text_column {
    ($($ty:ty),* $(,)?) => {$(
        impl<DB> FromSql<Text, DB> for $ty
        where
            DB: Backend,
            String: FromSql<Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                let stored = <String as FromSql<Text, DB>>::from_sql(bytes)?;
                stored.parse().map_err(|e| {
                    format!("stored {} {stored:?} does not read back: {e}", stringify!($ty)).into()
                })
            }
        }

        impl<DB> Queryable<Text, DB> for $ty
        where
            DB: Backend,
            Self: FromSql<Text, DB>,
        {
            type Row = Self;
            fn build(row: Self) -> deserialize::Result<Self> {
                Ok(row)
            }
        }

        impl ToSql<Text, Sqlite> for $ty {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
                out.set_value(self.to_string());
                Ok(IsNull::No)
            }
        }

        impl ToSql<Text, Pg> for $ty {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                write!(out, "{self}")?;
                Ok(IsNull::No)
            }
        }

        impl ToSql<Text, MultiBackend> for $ty {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
                out.set_value((Text, self));
                Ok(IsNull::No)
            }
        }

        impl AsExpression<Text> for $ty {
            type Expression = AsExprOf<String, Text>;
            fn as_expression(self) -> Self::Expression {
                self.to_string().into_sql::<Text>()
            }
        }

        impl AsExpression<Text> for &$ty {
            type Expression = AsExprOf<String, Text>;
            fn as_expression(self) -> Self::Expression {
                self.to_string().into_sql::<Text>()
            }
        }

        // An `Option<T>` field of an `Insertable` row fills a nullable column through these.
        impl AsExpression<Nullable<Text>> for $ty {
            type Expression = AsExprOf<String, Nullable<Text>>;
            fn as_expression(self) -> Self::Expression {
                self.to_string().into_sql::<Nullable<Text>>()
            }
        }

        impl AsExpression<Nullable<Text>> for &$ty {
            type Expression = AsExprOf<String, Nullable<Text>>;
            fn as_expression(self) -> Self::Expression {
                self.to_string().into_sql::<Nullable<Text>>()
            }
        }
    )*};
}

text_column!(
    AppealId,
    ComplaintId,
    ApplicationId,
    CertificateId,
    ClarificationId,
    EnterpriseGroupId,
    EnterpriseId,
    EvidenceId,
    InvitationId,
    ModelId,
    ModelVersionId,
    OrganisationId,
    ReviewPanelId,
    RoundId,
    SelfAssessmentId,
    SurveillanceId,
    UserId,
);

text_column!(
    AppealStatus,
    ComplaintStatus,
    SurveillanceStatus,
    Basis,
    OrganisationKind,
    OutboxStatus,
    Preference,
    Role,
    ScoreStatus,
    Status,
);

/// A value kept as JSON in a TEXT column.
#[derive(Debug, Clone, PartialEq, Eq, AsExpression, FromSqlRow)]
#[diesel(sql_type = Text)]
pub struct Json<T>(pub T);

impl<T> Deref for Json<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T, DB> FromSql<Text, DB> for Json<T>
where
    T: serde::de::DeserializeOwned,
    DB: Backend,
    String: FromSql<Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        let text = <String as FromSql<Text, DB>>::from_sql(bytes)?;
        serde_json::from_str(&text)
            .map(Json)
            .map_err(|e| format!("stored JSON does not read back: {e}").into())
    }
}

impl<T: serde::Serialize + fmt::Debug> ToSql<Text, Sqlite> for Json<T> {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(serde_json::to_string(&self.0)?);
        Ok(IsNull::No)
    }
}

impl<T: serde::Serialize + fmt::Debug> ToSql<Text, Pg> for Json<T> {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        serde_json::to_writer(out, &self.0)?;
        Ok(IsNull::No)
    }
}

impl<T> ToSql<Text, MultiBackend> for Json<T>
where
    T: serde::Serialize + fmt::Debug + Send + Sync + 'static,
{
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
        out.set_value((Text, self));
        Ok(IsNull::No)
    }
}
