//! The states the store keeps as text, read into their enums in one place: a word that names
//! no state is a damaged row and is reported as such, never guessed.

use crate::db::{FromSql, Row, ValueRef};
use wabox_domain::number::NumberStatus;
use wabox_protocol::admin::JournalState;
use wabox_protocol::states::{
    ConnectedVia, ConversationState, Direction, EnrollmentState, MediaState, MessageStatus, Origin,
    Reactor, Role, SignupVia,
};

/// A state the store keeps as its word. The states are the protocol's and the domain's types, so
/// rusqlite's traits cannot be implemented on them here: a column is read through `Word` (or
/// `RowWords::word`) and written as `as_str()`.
pub trait StoreWord: Sized + Copy {
    /// What the word names, for the damaged-row error.
    const WHAT: &'static str;
    fn parse_word(text: &str) -> Option<Self>;
}

/// A column read as a state's word: a word that names no state is a damaged row.
pub struct Word<T>(pub T);

impl<T: StoreWord> FromSql for Word<T> {
    fn from_sql(value: ValueRef<'_>) -> Result<Self, String> {
        let text = value.as_str()?;
        T::parse_word(text)
            .map(Word)
            .ok_or_else(|| format!("unknown {} {text:?}", T::WHAT))
    }
}

/// `row.word(i)` reads a state as `row.get(i)` reads anything else.
pub trait RowWords {
    fn word<T: StoreWord>(&self, index: usize) -> crate::db::Result<T>;
    fn word_opt<T: StoreWord>(&self, index: usize) -> crate::db::Result<Option<T>>;
}

impl RowWords for Row<'_> {
    fn word<T: StoreWord>(&self, index: usize) -> crate::db::Result<T> {
        Ok(self.get::<_, Word<T>>(index)?.0)
    }

    fn word_opt<T: StoreWord>(&self, index: usize) -> crate::db::Result<Option<T>> {
        Ok(self.get::<_, Option<Word<T>>>(index)?.map(|w| w.0))
    }
}

macro_rules! text_words {
    ($($name:ty => $what:literal),+ $(,)?) => {
        $(
            impl StoreWord for $name {
                const WHAT: &'static str = $what;
                fn parse_word(text: &str) -> Option<Self> {
                    <$name>::parse(text)
                }
            }
        )+
    };
}

text_words! {
    ConversationState => "conversation state",
    Direction => "message direction",
    Origin => "message origin",
    MessageStatus => "message status",
    MediaState => "media state",
    Reactor => "reactor",
    EnrollmentState => "enrollment state",
    Role => "role",
    ConnectedVia => "connection path",
    SignupVia => "signup path",
    NumberStatus => "number status",
    JournalState => "journal state",
    wabox_domain::ConnectionKind => "connection kind",
}

#[cfg(test)]
mod tests {
    use super::*;

    #[crate::testing::both_stores]
    fn a_state_reads_back_as_written_and_a_damaged_one_is_reported() {
        let (_d, conn) = crate::testing::store();
        let read: MessageStatus = conn
            .query_row("SELECT ?1", [MessageStatus::Uncertain.as_str()], |r| {
                r.word(0)
            })
            .unwrap();
        assert_eq!(read, MessageStatus::Uncertain);
        let damaged = conn.query_row("SELECT 'lost'", [], |r| r.word::<MessageStatus>(0));
        let message = damaged.unwrap_err().to_string();
        assert!(
            message.contains("unknown message status \"lost\""),
            "{message}"
        );
    }
}
