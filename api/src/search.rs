//! Case-insensitive substring matching with LIKE, with the text's own `%` and `_` taken
//! literally.

use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};

/// `!` rather than a backslash, which the two engines quote differently.
const ESCAPE: char = '!';

/// `%needle%`, lower-cased, its wildcards and escape character escaped.
fn contains_pattern(needle: &str) -> String {
    let mut p = String::with_capacity(needle.len() + 2);
    p.push('%');
    for c in needle.to_lowercase().chars() {
        if matches!(c, '%' | '_' | ESCAPE) {
            p.push(ESCAPE);
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// `LOWER(expr) LIKE '%needle%'`. SQLite's LOWER folds ASCII letters only, so there the
/// match ignores the case of ASCII letters alone.
pub(crate) fn contains(expr: impl Into<Expr>, needle: &str) -> Expr {
    Func::lower(expr.into()).like(LikeExpr::new(contains_pattern(needle)).escape(ESCAPE))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_are_literal() {
        assert_eq!(contains_pattern("Ab"), "%ab%");
        assert_eq!(contains_pattern("50%_x!"), "%50!%!_x!!%");
        assert_eq!(contains_pattern(""), "%%");
    }
}
