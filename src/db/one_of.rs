//! `column IN (?, …)` whose prepared statement is kept.
//!
//! diesel's `eq_any` with a list of values marks its statement as unsafe to cache on
//! SQLite (its SQL changes with the list's length), so every call parses and plans the
//! whole query again: a fifth of an assessor's home page went to SQLite's parser. The
//! lists these queries take are short and of few lengths (the statuses of a task, a
//! page's ids), and diesel keys a statement of such a query by its SQL text, so caching
//! one statement per length is both safe and bounded.

use std::marker::PhantomData;

use diesel::backend::Backend;
use diesel::expression::{
    is_aggregate, AppearsOnTable, Expression, SelectableExpression, ValidGrouping,
};
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{Bool, HasSqlType, SingleValue};
use diesel::QueryResult;

/// `column IN (values…)`; an empty list matches no row. A statement with a list longer
/// than [`MAX_CACHED`] is not kept, so the cache stays bounded.
pub fn one_of<C, T>(column: C, values: &[T]) -> OneOf<'_, C, T, Bound> {
    OneOf {
        column,
        values,
        how: PhantomData,
    }
}

/// The longest list whose statement is kept (a page holds at most 100 rows).
pub const MAX_CACHED: usize = 100;

/// How [`OneOf`] passes its values: as bind parameters ([`one_of`]) or written into the
/// SQL ([`one_of_names`]).
#[derive(Debug, Clone, Copy)]
pub struct Bound;
#[derive(Debug, Clone, Copy)]
pub struct Named;

#[derive(Debug, Clone, Copy)]
pub struct OneOf<'a, C, T, How> {
    column: C,
    values: &'a [T],
    how: PhantomData<How>,
}

impl<C: Expression, T, How> Expression for OneOf<'_, C, T, How> {
    type SqlType = Bool;
}

impl<C, T, How, QS> AppearsOnTable<QS> for OneOf<'_, C, T, How>
where
    C: AppearsOnTable<QS>,
    Self: Expression,
{
}

impl<C, T, How, QS> SelectableExpression<QS> for OneOf<'_, C, T, How>
where
    C: SelectableExpression<QS>,
    Self: AppearsOnTable<QS>,
{
}

impl<C, T, How> ValidGrouping<()> for OneOf<'_, C, T, How>
where
    C: ValidGrouping<(), IsAggregate = is_aggregate::No>,
{
    type IsAggregate = is_aggregate::No;
}

impl<C, T, How> QueryId for OneOf<'_, C, T, How> {
    type QueryId = ();
    // Keyed by its SQL text, which names the number of values (or the names).
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<C, T, DB> QueryFragment<DB> for OneOf<'_, C, T, Bound>
where
    DB: Backend + HasSqlType<C::SqlType>,
    C: Expression + QueryFragment<DB>,
    C::SqlType: SingleValue,
    T: ToSql<C::SqlType, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        if self.values.is_empty() {
            out.push_sql("1 = 0");
            return Ok(());
        }
        if self.values.len() > MAX_CACHED {
            out.unsafe_to_cache_prepared();
        }
        out.push_sql("(");
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" IN (");
        for (i, value) in self.values.iter().enumerate() {
            if i > 0 {
                out.push_sql(", ");
            }
            out.push_bind_param::<C::SqlType, T>(value)?;
        }
        out.push_sql("))");
        Ok(())
    }
}

/// `column IN ('name', …)` with the names written into the statement: for the members of
/// a closed set that the code fixes (a task's statuses), never for what a person typed.
/// Every name must be a lower-case identifier (`[a-z0-9_]`), or the query fails to build.
/// There is one statement per set of names, so the sets must be few.
pub fn one_of_names<C, T>(column: C, values: &[T]) -> OneOf<'_, C, T, Named> {
    OneOf {
        column,
        values,
        how: PhantomData,
    }
}

/// Whether `name` can stand in SQL quotes as it is.
fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

impl<C, T, DB> QueryFragment<DB> for OneOf<'_, C, T, Named>
where
    DB: Backend,
    C: Expression + QueryFragment<DB>,
    T: std::fmt::Display,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        if self.values.is_empty() {
            out.push_sql("1 = 0");
            return Ok(());
        }
        out.push_sql("(");
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" IN (");
        for (i, value) in self.values.iter().enumerate() {
            let name = value.to_string();
            if !is_plain_name(&name) {
                return Err(diesel::result::Error::QueryBuilderError(
                    format!("{name:?} is not a plain name to write into SQL").into(),
                ));
            }
            if i > 0 {
                out.push_sql(", ");
            }
            out.push_sql("'");
            out.push_sql(&name);
            out.push_sql("'");
        }
        out.push_sql("))");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use diesel::connection::{Instrumentation, InstrumentationEvent};
    use diesel::debug_query;
    use diesel::prelude::*;
    use diesel::sqlite::Sqlite;

    use super::*;

    diesel::table! {
        things (id) {
            id -> Integer,
            status -> Text,
        }
    }

    /// The SQL of each statement the connection added to its cache.
    #[derive(Clone, Default)]
    struct Kept(Arc<Mutex<Vec<String>>>);

    impl Instrumentation for Kept {
        fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
            if let InstrumentationEvent::CacheQuery { sql, .. } = event {
                self.0.lock().unwrap().push(sql.to_string());
            }
        }
    }

    fn connection() -> (SqliteConnection, Kept) {
        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        diesel::sql_query("CREATE TABLE things (id INTEGER PRIMARY KEY, status TEXT NOT NULL)")
            .execute(&mut conn)
            .unwrap();
        diesel::sql_query(
            "INSERT INTO things VALUES (1, 'draft'), (2, 'submitted'), (3, 'accepted')",
        )
        .execute(&mut conn)
        .unwrap();
        let kept = Kept::default();
        conn.set_instrumentation(kept.clone());
        (conn, kept)
    }

    fn matching(conn: &mut SqliteConnection, statuses: &[&str]) -> Vec<i32> {
        things::table
            .filter(one_of(things::status, statuses))
            .order(things::id)
            .select(things::id)
            .load(conn)
            .unwrap()
    }

    #[test]
    fn it_matches_the_listed_values_and_nothing_for_an_empty_list() {
        let (mut conn, _) = connection();
        assert_eq!(matching(&mut conn, &["draft", "accepted"]), [1, 3]);
        assert_eq!(matching(&mut conn, &["submitted"]), [2]);
        assert!(matching(&mut conn, &[]).is_empty());
        let q = things::table.filter(one_of(things::status, &["a", "b"]));
        let sql = debug_query::<Sqlite, _>(&q).to_string();
        assert!(sql.contains("(`things`.`status` IN (?, ?))"), "{sql}");
    }

    #[test]
    fn names_are_written_into_the_statement_and_anything_else_is_refused() {
        let (mut conn, kept) = connection();
        let named = |conn: &mut SqliteConnection, names: &[&str]| {
            things::table
                .filter(one_of_names(things::status, names))
                .order(things::id)
                .select(things::id)
                .load::<i32>(conn)
        };
        assert_eq!(named(&mut conn, &["draft", "accepted"]).unwrap(), [1, 3]);
        assert!(named(&mut conn, &[]).unwrap().is_empty());
        let q = things::table.filter(one_of_names(things::status, &["in_review", "x2"]));
        let sql = debug_query::<Sqlite, _>(&q).to_string();
        assert!(sql.contains("IN ('in_review', 'x2'))"), "{sql}");
        assert_eq!(kept.0.lock().unwrap().len(), 2, "one statement per set");
        for bad in ["it's", "Draft", "a b", ""] {
            assert!(named(&mut conn, &[bad]).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn its_statement_is_prepared_once_per_list_length_unlike_eq_any() {
        let (mut conn, kept) = connection();
        for statuses in [["draft", "accepted"], ["submitted", "draft"], ["x", "y"]] {
            matching(&mut conn, &statuses);
        }
        matching(&mut conn, &["draft"]);
        assert_eq!(kept.0.lock().unwrap().len(), 2, "one statement per length");

        let (mut conn, kept) = connection();
        for _ in 0..3 {
            things::table
                .filter(things::status.eq_any(["draft", "accepted"]))
                .select(things::id)
                .load::<i32>(&mut conn)
                .unwrap();
        }
        assert!(
            kept.0.lock().unwrap().is_empty(),
            "diesel keeps no eq_any statement"
        );

        let (mut conn, kept) = connection();
        let long: Vec<String> = (0..=MAX_CACHED).map(|i| i.to_string()).collect();
        let long: Vec<&str> = long.iter().map(String::as_str).collect();
        matching(&mut conn, &long);
        assert!(kept.0.lock().unwrap().is_empty(), "a long list is not kept");
    }
}
