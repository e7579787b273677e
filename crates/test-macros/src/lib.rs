//! `#[both_stores]` on a store test (`fn name() { ... }`) makes two tests of it: `name` on a
//! SQLite store and `name_on_postgres` on a PostgreSQL one, each `testing::store()` inside
//! giving that store. Where the tests have no cluster, the PostgreSQL one says it is skipped
//! (and fails where `WABOX_REQUIRE_PG` is set, as in CI).
//!
//! Written on the compiler's own token trees: the one thing it does (rename a function and add
//! two callers) does not need a parser.

use proc_macro::{Delimiter, Ident, TokenStream, TokenTree};

#[proc_macro_attribute]
pub fn both_stores(attr: TokenStream, item: TokenStream) -> TokenStream {
    let testing = if attr.is_empty() {
        "::wabox_store::testing".to_owned()
    } else {
        attr.to_string().replace(' ', "")
    };
    let mut tokens: Vec<TokenTree> = item.into_iter().collect();
    let Some(at) = tokens.windows(2).position(
        |w| matches!((&w[0], &w[1]), (TokenTree::Ident(f), TokenTree::Ident(_)) if f.to_string() == "fn"),
    ) else {
        return r##"compile_error!("#[both_stores] goes on a test function");"##
            .parse()
            .unwrap();
    };
    let name = tokens[at + 1].to_string();
    let takes_nothing = matches!(tokens.get(at + 2),
        Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis && g.stream().is_empty());
    if !takes_nothing {
        return r##"compile_error!("a #[both_stores] test takes no arguments");"##
            .parse()
            .unwrap();
    }
    let span = tokens[at + 1].span();
    tokens[at + 1] = TokenTree::Ident(Ident::new(&format!("{name}_body"), span));
    let mut out: TokenStream = tokens.into_iter().collect();
    let callers: TokenStream = format!(
        "#[test] fn {name}() {{ {testing}::on_store({testing}::StoreKind::Sqlite, {name}_body) }}
         #[test] fn {name}_on_postgres() {{ {testing}::on_store({testing}::StoreKind::Postgres, {name}_body) }}"
    )
    .parse()
    .unwrap();
    out.extend(callers);
    out
}
