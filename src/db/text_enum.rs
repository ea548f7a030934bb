//! Enums stored as text and sent on the wire. [`text_enum!`](crate::db::text_enum) declares
//! one from its variants and their names; each name is at once the variant's JSON spelling
//! (serde), its value in the OpenAPI schema (utoipa reads the same `#[serde(rename)]`) and its
//! column value (diesel `Text`, on both backends through the connection enum), so a row can
//! hold the enum and a query can compare a column with a variant.

/// A text that names none of an enum's variants (a column or a query string out of its
/// vocabulary).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not a {kind}")]
pub struct UnknownName {
    /// The enum's Rust name.
    pub kind: &'static str,
    pub value: String,
}

/// Declares an enum stored as text:
///
/// ```text
/// crate::db::text_enum! {
///     /// Where a post stands.
///     pub enum PostStatus {
///         Published = "published",
///         Held = "held",
///     }
/// }
/// ```
///
/// It derives `Clone, Copy, Debug, PartialEq, Eq, Hash`, serde `Serialize`/`Deserialize` and
/// utoipa `ToSchema` under exactly these names, diesel `AsExpression`/`FromSqlRow` as `Text`
/// with `ToSql`/`FromSql` through `str`/`String` (so for the connection enum's `MultiBackend`
/// and for each database, which `eq_any` walks into), `Display` and `FromStr` by name, and
/// the methods `ALL`, `as_str` and `parse`. Further attributes (`#[derive(Default)]`, `#[default]`, docs) pass
/// through. The names are taken as `tt`, not `literal` fragments: a `literal` reaches the
/// derive macros wrapped in an invisible group, which utoipa does not read as a rename.
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $($(#[$vmeta:meta])* $variant:ident = $text:tt),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, Hash,
            ::serde::Serialize, ::serde::Deserialize, ::utoipa::ToSchema,
            ::diesel::expression::AsExpression, ::diesel::deserialize::FromSqlRow,
        )]
        #[diesel(sql_type = ::diesel::sql_types::Text)]
        $vis enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant,)+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant,)+];

            /// The name on the wire and in the column.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)+
                }
            }

            /// The variant with this name, if any.
            pub fn parse(value: &str) -> Option<Self> {
                match value {
                    $($text => Some(Self::$variant),)+
                    _ => None,
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::db::UnknownName;

            fn from_str(value: &str) -> Result<Self, Self::Err> {
                Self::parse(value).ok_or_else(|| $crate::db::UnknownName {
                    kind: stringify!($name),
                    value: value.to_owned(),
                })
            }
        }

        impl<DB> ::diesel::serialize::ToSql<::diesel::sql_types::Text, DB> for $name
        where
            DB: ::diesel::backend::Backend,
            str: ::diesel::serialize::ToSql<::diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(
                &'b self,
                out: &mut ::diesel::serialize::Output<'b, '_, DB>,
            ) -> ::diesel::serialize::Result {
                <str as ::diesel::serialize::ToSql<::diesel::sql_types::Text, DB>>::to_sql(
                    self.as_str(),
                    out,
                )
            }
        }

        impl<DB> ::diesel::deserialize::FromSql<::diesel::sql_types::Text, DB> for $name
        where
            DB: ::diesel::backend::Backend,
            String: ::diesel::deserialize::FromSql<::diesel::sql_types::Text, DB>,
        {
            fn from_sql(
                bytes: <DB as ::diesel::backend::Backend>::RawValue<'_>,
            ) -> ::diesel::deserialize::Result<Self> {
                let text = <String as ::diesel::deserialize::FromSql<
                    ::diesel::sql_types::Text,
                    DB,
                >>::from_sql(bytes)?;
                Ok(text.parse::<Self>()?)
            }
        }
    };
}

pub(crate) use text_enum;

#[cfg(test)]
mod tests {
    use diesel::prelude::*;

    use crate::db::schema::boards;
    use crate::db::{AnyConnection, DatabaseUrl};

    text_enum! {
        /// A test enum.
        #[derive(Default)]
        enum Colour {
            #[default]
            Red = "red",
            /// Documented variants keep their docs.
            LightBlue = "light-blue",
        }
    }

    #[test]
    fn one_name_serves_the_wire_the_schema_and_the_column() {
        use utoipa::PartialSchema;
        assert_eq!(Colour::ALL, &[Colour::Red, Colour::LightBlue]);
        assert_eq!(Colour::default(), Colour::Red);
        assert_eq!(Colour::LightBlue.as_str(), "light-blue");
        assert_eq!(Colour::LightBlue.to_string(), "light-blue");
        assert_eq!(Colour::parse("light-blue"), Some(Colour::LightBlue));
        assert_eq!(Colour::parse("LightBlue"), None);
        assert_eq!(
            "blue".parse::<Colour>().unwrap_err().to_string(),
            "`blue` is not a Colour"
        );
        assert_eq!(
            serde_json::to_value(Colour::LightBlue).unwrap(),
            serde_json::json!("light-blue")
        );
        assert_eq!(
            serde_json::from_str::<Colour>("\"red\"").unwrap(),
            Colour::Red
        );
        assert!(serde_json::from_str::<Colour>("\"Red\"").is_err());
        let schema = serde_json::to_value(Colour::schema()).unwrap();
        assert_eq!(schema["enum"], serde_json::json!(["red", "light-blue"]));
    }

    #[test]
    fn a_column_reads_and_compares_as_the_enum() {
        let dir = tempfile::tempdir().unwrap();
        let url = DatabaseUrl::parse(&dir.path().join("t.db").display().to_string()).unwrap();
        let mut conn: AnyConnection = url.connect().unwrap();
        crate::db::migrate_connection(&mut conn).unwrap();
        let now = crate::db::now();
        for (slug, name) in [("a", "red"), ("b", "light-blue"), ("c", "green")] {
            diesel::insert_into(boards::table)
                .values((
                    boards::slug.eq(slug),
                    boards::name.eq(name),
                    boards::description.eq(""),
                    boards::position.eq(0),
                    boards::created_at.eq(now),
                ))
                .execute(&mut conn)
                .unwrap();
        }
        let found: Vec<String> = boards::table
            .filter(boards::name.eq(Colour::LightBlue))
            .select(boards::slug)
            .load(&mut conn)
            .unwrap();
        assert_eq!(found, ["b"]);
        let read: Vec<Colour> = boards::table
            .filter(boards::name.eq_any([Colour::Red, Colour::LightBlue]))
            .order(boards::slug)
            .select(boards::name)
            .load(&mut conn)
            .unwrap();
        assert_eq!(read, [Colour::Red, Colour::LightBlue]);
        let unknown = boards::table
            .filter(boards::slug.eq("c"))
            .select(boards::name)
            .first::<Colour>(&mut conn)
            .unwrap_err();
        let mut why: Option<&dyn std::error::Error> = Some(&unknown);
        let mut chain = Vec::new();
        while let Some(e) = why {
            chain.push(e.to_string());
            why = e.source();
        }
        assert!(
            chain.contains(&"`green` is not a Colour".into()),
            "{chain:?}"
        );
    }
}
