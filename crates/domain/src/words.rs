//! Closed sets of words (states, kinds) that travel as text: in the store, on the wire, in
//! `--json`. One macro so that the three spellings cannot drift apart.

/// An enum of words: serde writes each variant as its snake_case word; `as_str` and `parse` are
/// the same words for the store (which keeps them as text) and for human output. Exported (at
/// `wabox_domain::words!`) for the protocol's states.
#[macro_export]
macro_rules! words {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $word:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// Every state, for tests and completions.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The word, as on the wire and in the store.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $word,)+
                }
            }

            /// The state a word names; none for a word that names none (a damaged row).
            pub fn parse(word: &str) -> Option<Self> {
                match word {
                    $($word => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
